import { RuntimeApiError, runtimeCommand, runtimeCommands } from '@platform/process-runner';

export { RuntimeApiError, runtimeCommand } from '@platform/process-runner';

/**
 * The only commands the controller sends: `set server <backend>/<server> <what> <args>` made of
 * names, addresses and numbers. Anything else (a `;` that would start a second command, a
 * newline, a space inside a word) is refused before it reaches HAProxy's admin socket.
 */
const SAFE_COMMAND = /^set server [A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,32}( [A-Za-z0-9_.:-]{1,64}){1,4}$/;

export function assertSafeCommand(command: string): void {
  if (!SAFE_COMMAND.test(command)) throw new RuntimeApiError(`refused to send an unexpected runtime command: ${JSON.stringify(command).slice(0, 120)}`);
}

/** Runs commands in one connection and throws when HAProxy refused any of them. */
export async function applyCommands(socketPath: string, commands: readonly string[]): Promise<void> {
  if (commands.length === 0) return;
  commands.forEach(assertSafeCommand);
  await runtimeCommands(socketPath, commands).catch((err: Error) => {
    // Server names and addresses only: the controller's commands are safe to quote.
    throw err instanceof RuntimeApiError ? new RuntimeApiError(`${err.message} (in: ${commands.join('; ').slice(0, 300)})`) : err;
  });
}

export interface ServerRuntimeState {
  backend: string;
  server: string;
  address: string;
  port: number;
  /** 0 stopped, 1 starting, 2 running, 3 stopping (HAProxy's srv_op_state). */
  operational: number;
  /** HAProxy's srv_admin_state bits: 0x23 any maintenance, 0x18 any drain, 0x04 only records `disabled` in the config. */
  admin: number;
}

/** Parses `show servers state`, the same view HAProxy saves across reloads. */
export async function serversState(socketPath: string, backend?: string): Promise<ServerRuntimeState[]> {
  const answer = await runtimeCommand(socketPath, backend ? `show servers state ${backend}` : 'show servers state');
  const rows: ServerRuntimeState[] = [];
  for (const line of answer.split('\n')) {
    if (line.startsWith('#') || line.trim() === '' || /^\d+$/.test(line.trim())) continue;
    const f = line.trim().split(/\s+/);
    rows.push({
      backend: f[1] ?? '',
      server: f[3] ?? '',
      address: f[4] ?? '',
      operational: Number(f[5]),
      admin: Number(f[6]),
      port: Number(f[18]),
    });
  }
  return rows;
}

export function describeServerState(s: ServerRuntimeState): 'maint' | 'drain' | 'up' | 'down' {
  if (s.admin & 0x23) return 'maint';
  if (s.admin & 0x18) return 'drain';
  return s.operational === 2 ? 'up' : 'down';
}

/** Map commands carry a path from the controller's state folder and words checked by the caller's schema (service names, numbers, release ids). */
const MAP_WORD = /^[A-Za-z0-9._:+-]{1,100}$/;
const MAP_FILE = /^\/[A-Za-z0-9._/+-]{1,250}$/;

/**
 * Replaces a map's whole content in the running HAProxy, atomically and without a reload: a new
 * version is prepared, filled, then committed, so a request sees either the old map or the new.
 */
export async function replaceMap(socketPath: string, mapFile: string, entries: readonly (readonly [string, string])[]): Promise<void> {
  if (!MAP_FILE.test(mapFile)) throw new RuntimeApiError(`refused to address map file ${JSON.stringify(mapFile).slice(0, 120)}`);
  for (const [key, value] of entries) if (!MAP_WORD.test(key) || !MAP_WORD.test(value)) throw new RuntimeApiError(`refused to send an unexpected map entry: ${JSON.stringify(`${key} ${value}`).slice(0, 120)}`);
  const prepared = await runtimeCommand(socketPath, `prepare map ${mapFile}`);
  const version = /New version created: (\d+)/.exec(prepared)?.[1];
  if (!version) throw new RuntimeApiError(`HAProxy did not prepare a new version of ${mapFile}: ${prepared.trim().slice(0, 120)}`);
  const commands = [...entries.map(([key, value]) => `add map @${version} ${mapFile} ${key} ${value}`), `commit map @${version} ${mapFile}`];
  await runtimeCommands(socketPath, commands);
}
