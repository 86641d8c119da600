import { runtimeCommand, runtimeCommands } from '@platform/process-runner';
import type { MapContent } from './edge-maps';

const BATCH = 100;

/**
 * Replaces a map's whole content in a running HAProxy atomically, without a reload: a new version
 * is prepared, filled, then committed, so a request sees either the old map or the new one. Keys
 * and values were checked against MAP_SAFE before they got here; a refusal names HAProxy's first
 * words only, never the values sent (runtimeCommands).
 */
export async function replaceMap(socketPath: string, mapFile: string, content: MapContent): Promise<void> {
  const prepared = await runtimeCommands(socketPath, [`prepare map ${mapFile}`]);
  const version = /New version created: (\d+)/.exec(prepared)?.[1];
  if (!version) throw new Error(`the edge did not prepare a new version of ${mapFile}`);
  for (let at = 0; at < content.length; at += BATCH) {
    await runtimeCommands(socketPath, content.slice(at, at + BATCH).map(([k, v]) => `add map @${version} ${mapFile} ${k} ${v}`));
  }
  await runtimeCommands(socketPath, [`commit map @${version} ${mapFile}`]);
}

/** The process id of the edge's current worker: a reload replaces it. */
export async function edgeWorkerPid(socketPath: string): Promise<string> {
  // The raw answer: `show info` lists counters such as PoolFailed, which runtimeCommands would read as a refusal.
  const pid = /^Pid: (\d+)$/m.exec(await runtimeCommand(socketPath, 'show info'))?.[1];
  if (!pid) throw new Error('the edge did not name its worker in show info');
  return pid;
}
