import { connect } from 'node:net';
import type { MapContent } from './edge-maps';

/** HAProxy's answers that mean a command was refused. */
const REFUSED = /^(Unknown|No such|Missing|Invalid|Permission denied|.*not found|.*failed)/im;
const BATCH = 100;

/** One connection to HAProxy's Runtime API: the commands joined by `;`, the answers as one text. */
function send(socketPath: string, commands: readonly string[], timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let output = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`the edge's runtime API at ${socketPath} did not answer within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.end(`${commands.join('; ')}\n`));
    socket.on('data', (chunk: Buffer) => (output += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(output));
  });
}

async function checked(socketPath: string, commands: readonly string[]): Promise<string> {
  const answer = await send(socketPath, commands);
  // The answer may echo a key; only HAProxy's first words are reported, never the values sent.
  const refused = REFUSED.exec(answer);
  if (refused) throw new Error(`the edge refused a map command: ${refused[0].slice(0, 120)}`);
  return answer;
}

/**
 * Replaces a map's whole content in a running HAProxy atomically, without a reload: a new version
 * is prepared, filled, then committed, so a request sees either the old map or the new one. Keys
 * and values were checked against MAP_SAFE before they got here.
 */
export async function replaceMap(socketPath: string, mapFile: string, content: MapContent): Promise<void> {
  const prepared = await checked(socketPath, [`prepare map ${mapFile}`]);
  const version = /New version created: (\d+)/.exec(prepared)?.[1];
  if (!version) throw new Error(`the edge did not prepare a new version of ${mapFile}`);
  for (let at = 0; at < content.length; at += BATCH) {
    await checked(socketPath, content.slice(at, at + BATCH).map(([k, v]) => `add map @${version} ${mapFile} ${k} ${v}`));
  }
  await checked(socketPath, [`commit map @${version} ${mapFile}`]);
}
