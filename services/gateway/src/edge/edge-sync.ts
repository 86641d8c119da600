import { mkdirSync } from 'node:fs';
import { jitteredBackoffMs, type Logger } from '@platform/service-kit';
import { MAP_SAFE, renderMap, writeMapFile, type MapContent, type MapName } from './edge-maps';
import { replaceMap } from './map-push';

export interface EdgeSyncOptions {
  /** Where the edge loads its maps from (its EDGE_MAPS_DIR). */
  mapsDir: string;
  /** Every edge HAProxy's Runtime API socket. */
  sockets: readonly string[];
  logger: Logger;
}

/**
 * Keeps the edges' maps equal to what the gateway knows: each change is written to the map file
 * (what an edge loads when it starts or reloads) and pushed to every running edge through its
 * Runtime API (no reload). An edge that did not take a push gets it again after a jittered
 * backoff, and only the maps that differ from what it last took.
 */
export class EdgeSync {
  private readonly wanted = new Map<MapName, { file: string; content: MapContent; text: string }>();
  private readonly applied = new Map<string, Map<MapName, string>>();
  private running: Promise<void> | undefined;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: EdgeSyncOptions) {
    mkdirSync(options.mapsDir, { recursive: true, mode: 0o700 });
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
    for (const socket of this.options.sockets) {
      const done = this.applied.get(socket) ?? new Map<MapName, string>();
      this.applied.set(socket, done);
      for (const [name, map] of this.wanted) {
        if (done.get(name) === map.text) continue;
        try {
          await replaceMap(socket, map.file, map.content);
          done.set(name, map.text);
          this.options.logger.info('edge map applied', { map: name, entries: map.content.length, edge: socket });
        } catch (err) {
          failed = true;
          this.options.logger.warn('edge map not applied; trying again', { map: name, edge: socket, error: err instanceof Error ? err.message : String(err) });
          break;
        }
      }
    }
    this.failures = failed ? this.failures + 1 : 0;
    if (failed && !this.stopped) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.sync(), jitteredBackoffMs(this.failures, { firstMs: 250, maxMs: 10_000 }));
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }
}
