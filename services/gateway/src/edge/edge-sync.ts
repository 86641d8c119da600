import { mkdirSync } from 'node:fs';
import { jitteredBackoffMs, type Logger } from '@platform/service-kit';
import { MAP_SAFE, renderMap, writeMapFile, type MapContent, type MapName } from './edge-maps';
import { edgeWorkerPid, replaceMap } from './map-push';

export interface EdgeSyncOptions {
  /** Where the edge loads its maps from (its EDGE_MAPS_DIR). */
  mapsDir: string;
  /** Every edge HAProxy's Runtime API socket. */
  sockets: readonly string[];
  logger: Logger;
  /** How often each edge's worker is looked at for a reload (ms). */
  watchMs?: number;
}

/** What one edge holds: the worker that took the pushes, and the text of each map it took. */
interface EdgeState {
  worker: string | undefined;
  maps: Map<MapName, string>;
  /** A new worker was seen: every map is pushed once more from this time on (see pushTo). */
  recheckAt: number | undefined;
}

/**
 * Keeps the edges' maps equal to what the gateway knows: each change is written to the map file
 * (what an edge loads when it starts or reloads) and pushed to every running edge through its
 * Runtime API (no reload). An edge that did not take a push gets it again after a jittered
 * backoff, and only the maps that differ from what it last took.
 *
 * A reload races the pushes: the master may read the map files just before a change is written,
 * and the push that follows may reach the old worker in its last moments; the new worker then
 * lacks the change until the next one. So each edge's worker is watched (its pid, `show info`)
 * and a new worker gets every map again: at once, and once more a look later, when the old worker
 * surely no longer takes connections on the socket they share.
 */
export class EdgeSync {
  private readonly wanted = new Map<MapName, { file: string; content: MapContent; text: string }>();
  private readonly edges = new Map<string, EdgeState>();
  private running: Promise<void> | undefined;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly watchTimer: NodeJS.Timeout;
  private failures = 0;
  private stopped = false;
  private readonly watchMs: number;

  constructor(private readonly options: EdgeSyncOptions) {
    this.watchMs = options.watchMs ?? 1_000;
    mkdirSync(options.mapsDir, { recursive: true, mode: 0o700 });
    for (const socket of options.sockets) this.edges.set(socket, { worker: undefined, maps: new Map(), recheckAt: undefined });
    // While a push is failing its backoff paces the tries (and the warnings), not the watch.
    this.watchTimer = setInterval(() => this.failures === 0 && this.sync(), this.watchMs);
    this.watchTimer.unref();
  }

  /** Sets a map's content; entries that HAProxy's map syntax cannot carry are dropped and logged, never their values. */
  set(name: MapName, content: MapContent): void {
    const safe = content.filter(([k, v]) => {
      const ok = MAP_SAFE.test(k) && MAP_SAFE.test(v);
      if (!ok) this.options.logger.warn('edge map entry refused: key or value holds a character the map cannot carry', { map: name });
      return ok;
    });
    const text = renderMap(safe);
    if (this.wanted.get(name)?.text === text) return;
    const file = writeMapFile(this.options.mapsDir, name, safe);
    this.wanted.set(name, { file, content: safe, text });
    this.sync();
  }

  /** Resolves once every edge holds the current maps (or a push failed and a retry is scheduled). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private sync(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pushAll().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.sync();
      }
    });
  }

  private async pushAll(): Promise<void> {
    let failed = false;
    for (const [socket, edge] of this.edges) {
      try {
        await this.pushTo(socket, edge);
      } catch (err) {
        failed = true;
        this.options.logger.warn('edge map not applied; trying again', { edge: socket, error: err instanceof Error ? err.message : String(err) });
      }
    }
    this.failures = failed ? this.failures + 1 : 0;
    if (failed && !this.stopped) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.sync(), jitteredBackoffMs(this.failures, { firstMs: 250, maxMs: 10_000 }));
    }
  }

  /** Brings one edge's worker up to the wanted maps; nothing is sent when it holds them already. */
  private async pushTo(socket: string, edge: EdgeState): Promise<void> {
    const worker = await edgeWorkerPid(socket);
    if (edge.recheckAt !== undefined && Date.now() >= edge.recheckAt) {
      edge.recheckAt = undefined;
      edge.maps.clear();
    }
    if (worker !== edge.worker) {
      if (edge.worker !== undefined) {
        this.options.logger.info('edge reloaded: its maps are sent again', { edge: socket, worker });
        edge.recheckAt = Date.now() + this.watchMs;
      }
      edge.worker = worker;
      edge.maps.clear();
    }
    for (const [name, map] of this.wanted) {
      if (edge.maps.get(name) === map.text) continue;
      await replaceMap(socket, map.file, map.content);
      edge.maps.set(name, map.text);
      this.options.logger.info('edge map applied', { map: name, entries: map.content.length, edge: socket });
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.watchTimer);
  }
}
