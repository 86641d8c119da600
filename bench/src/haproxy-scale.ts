import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@platform/process-runner';
import { BackendTable } from '@platform/haproxy/dist/backend-table';
import { HaproxyProcess, haproxyPaths } from '@platform/haproxy/dist/haproxy-process';
import { renderConfig } from '@platform/haproxy/dist/render-config';
import { backendName } from '@platform/haproxy/dist/roles';
import { percentile, printTable } from './stats';

const RUNS = 5;

/**
 * What one structural change costs the internal HAProxy at a catalog's size: rendering the whole
 * configuration, HAProxy's own check of it (`haproxy -c`, part of every reload) and the seamless
 * reload (until the new worker answers), for 10, 100 and 1,000 backends of 8 server slots.
 */
export async function benchHaproxyScale(): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const size of [10, 100, 1_000]) {
    const table = new BackendTable();
    const specs = Array.from({ length: size }, (_, i) => ({ name: backendName(`bench-${i}`), service: `bench-${i}` }));
    const services = new Map(specs.map((s, i) => [s.service, [0, 1].map((k) => ({ id: `${s.service}-${k}`, service: s.service, node: 'n1', address: '127.0.0.1', port: 20_000 + ((i * 2 + k) % 40_000), tags: [], meta: {}, health: 'passing' as const }))]));
    table.plan(specs, services);
    const paths = haproxyPaths(mkdtempSync(join(tmpdir(), 'bench-haproxy-')));
    const render = () => renderConfig({ role: 'internal', bind: { host: '127.0.0.1', port }, adminSocket: paths.adminSocket, backends: table.renderInput() });
    const port = await freePort();
    const renderMs: number[] = [];
    const reloadMs: number[] = [];
    for (let r = 0; r < RUNS; r += 1) {
      const start = performance.now();
      render();
      renderMs.push(performance.now() - start);
    }
    const config = render();
    const haproxy = await HaproxyProcess.start(paths, config);
    try {
      for (let r = 0; r < RUNS; r += 1) {
        const start = performance.now();
        await haproxy.reload(config);
        reloadMs.push(performance.now() - start);
      }
    } finally {
      await haproxy.stop();
    }
    rows.push([size, size * 8, Math.round(config.length / 1024), percentile(renderMs, 50), percentile(reloadMs, 50), Math.max(...reloadMs)]);
  }
  printTable('HAProxy at catalog scale (internal role, 8 slots per backend)', ['backends', 'servers', 'config KiB', 'render p50 ms', 'check + reload p50 ms', 'max ms'], rows);
}
