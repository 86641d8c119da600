import { readFileSync } from 'node:fs';
import { rolloutKey, type RolloutRecord } from '@platform/consul';
import { runtimeCommand } from '@platform/haproxy/dist/runtime-api';
import { consulFetch, healthOf } from './consul-queries';
import type { TestLb } from './load-balancer';

/** Stable and candidate releases of the traffic-splitting tests, as `platform deploy` names them. */
export const STABLE_RELEASE = '1.0.0-aaaaaaa';
export const CANDIDATE_RELEASE = '1.1.0-bbbbbbb';

export const rollout = (service: string, weight: number, candidate = CANDIDATE_RELEASE): RolloutRecord => ({ service, candidate, weight, strategy: 'canary', updatedAt: new Date().toISOString() });

/** Writes a record (or any text: hostile ones) at `key` with the operator's token, as a deploy would. */
export async function putRolloutText(consulAddr: string, key: string, text: string): Promise<void> {
  const res = await consulFetch(consulAddr, `/v1/kv/${key.split('/').map(encodeURIComponent).join('/')}`, { method: 'PUT', body: text });
  if (!res.ok) throw new Error(`consul refused the rollout record: ${res.status}`);
}

export const putRollout = (consulAddr: string, record: RolloutRecord): Promise<void> => putRolloutText(consulAddr, rolloutKey(record.service), JSON.stringify(record));

export async function deleteRollout(consulAddr: string, service: string): Promise<void> {
  const res = await consulFetch(consulAddr, `/v1/kv/${rolloutKey(service)}`, { method: 'DELETE' });
  if (!res.ok) throw new Error(`consul refused to delete the rollout record: ${res.status}`);
}

/** The split map as the running HAProxy holds it: `service → value`. */
export async function splitMap(lb: TestLb): Promise<Record<string, string>> {
  const answer = await runtimeCommand(lb.adminSocket, `show map ${lb.dir}/splits.map`);
  return Object.fromEntries(
    answer
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f.length === 3)
      .map(([, key, value]) => [key ?? '', value ?? '']),
  );
}

/** A GET of the controller's own HTTP API (its port from Consul). */
async function controllerGet(consulAddr: string, lb: TestLb, path: string): Promise<string> {
  const port = (await healthOf(consulAddr, 'lb-controller')).find((e) => e.Service.ID === lb.controllerId)?.Service.Port;
  return (await fetch(`http://127.0.0.1:${port}${path}`)).text();
}

/** The splits the controller says it applies (/lb/state). */
export async function appliedSplits(consulAddr: string, lb: TestLb): Promise<{ service: string; candidate: string; weight: number; effective: { normal: number } }[]> {
  return (JSON.parse(await controllerGet(consulAddr, lb, '/lb/state')) as { traffic: { splits: { service: string; candidate: string; weight: number; effective: { normal: number } }[] } }).traffic.splits;
}

/** One counter or gauge of the controller's /metrics (the sum over its label sets matching `labels`). */
export async function controllerMetric(consulAddr: string, lb: TestLb, name: string, labels = ''): Promise<number> {
  const text = await controllerGet(consulAddr, lb, '/metrics');
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(labels))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** The controller's log lines with this message. */
export const controllerLog = (lb: TestLb, message: string): Record<string, unknown>[] =>
  readFileSync(lb.logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"${message}`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Runs `call` for every item with `width` in flight at once; the answers in order. */
export async function inParallel<T, R>(items: readonly T[], width: number, call: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const at = next++;
        results[at] = await call(items[at] as T);
      }
    }),
  );
  return results;
}
