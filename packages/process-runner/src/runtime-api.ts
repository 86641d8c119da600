import { connect } from 'node:net';
import { PlatformError } from './errors/coded-error';

/**
 * The one client of HAProxy's Runtime API on its unix socket, for the load-balancer controllers
 * (servers) and the gateway (the edge's maps). Several commands go in one connection separated by
 * `;` (HAProxy answers each in turn, then closes the connection).
 */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = 2_000): Promise<string> {
  // One line is one command: a line break would smuggle in a second, unchecked one.
  if (/[\r\n]/.test(command)) return Promise.reject(new RuntimeApiError('refused to send a runtime command containing a line break'));
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let output = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new RuntimeApiError(`runtime API at ${socketPath} did not answer "${command.slice(0, 80)}" within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk: Buffer) => (output += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(output));
  });
}

/** HAProxy's Runtime API refused, or was not sent, a command. */
export class RuntimeApiError extends PlatformError {
  constructor(message: string) {
    super('PLATFORM_HAPROXY_RUNTIME_API', message, { retryable: true });
  }
}

/** Answers that mean a runtime command was refused; anything else is informational. */
const REFUSED = /^(No such|Unknown|Require|Invalid|Missing|Permission denied|.*is not|.*cannot|.*failed|.*not found)/im;

/**
 * Runs `commands` in one connection and throws when HAProxy refused any of them. The error quotes
 * HAProxy's first words only, never the commands (a map command may carry a key hash): callers add
 * what they may name.
 */
export async function runtimeCommands(socketPath: string, commands: readonly string[]): Promise<string> {
  const answer = await runtimeCommand(socketPath, commands.join('; '));
  const refused = REFUSED.exec(answer);
  if (refused) throw new RuntimeApiError(`HAProxy refused a runtime command: ${refused[0].slice(0, 120)}`);
  return answer;
}
