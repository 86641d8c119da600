import { connect } from 'node:net';
import { PlatformError } from '@platform/process-runner';

/**
 * Sends commands to HAProxy's Runtime API on its unix socket. Several commands go in one
 * connection separated by `;` (HAProxy answers each in turn, then closes the connection).
 */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = 2_000): Promise<string> {
  // One line is one command: a line break would smuggle in a second, unchecked one.
  if (/[\r\n]/.test(command)) return Promise.reject(new RuntimeApiError('refused to send a runtime command containing a line break'));
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let output = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new RuntimeApiError(`runtime API did not answer "${command.slice(0, 80)}" within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk: Buffer) => (output += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(output));
  });
}

/** Answers that mean a runtime command was refused; anything else is informational. */
const FAILURE = /^(No such|Unknown|Require|Invalid|Missing|.*is not|.*cannot|.*failed|.*not found)/im;

/** HAProxy's Runtime API refused, or was not sent, a command; the controller falls back to a reload. */
export class RuntimeApiError extends PlatformError {
  constructor(message: string) {
    super('PLATFORM_HAPROXY_RUNTIME_API', message, { retryable: true });
  }
}

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
  const answer = await runtimeCommand(socketPath, commands.join('; '));
  const refused = FAILURE.exec(answer);
  if (refused) throw new RuntimeApiError(`HAProxy refused a command: ${refused[0]} (in: ${commands.join('; ').slice(0, 300)})`);
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
