import { loadSettings, statePaths } from '../settings';
import { runningState } from '../platform-view';
import { callControl } from '../supervisor/control-server';

export function parseScaleSpec(spec: string): { service: string; instances: number } {
  const match = /^([a-z][a-z0-9-]*)=(\d{1,2})$/.exec(spec);
  if (!match) throw new Error(`expected <service>=<count> (count 0..50), got ${JSON.stringify(spec)}`);
  return { service: match[1] as string, instances: Number(match[2]) };
}

export async function scale(specs: string[]): Promise<number> {
  if (specs.length === 0) throw new Error('usage: platform scale <service>=<count> ...');
  const stateDir = loadSettings().stateDir;
  if (!runningState(stateDir)) throw new Error('the platform is not running (start it with: npm run up)');
  for (const spec of specs.map(parseScaleSpec)) {
    await callControl(statePaths(stateDir).socket, 'POST', '/scale', spec);
    process.stdout.write(`▸ ${spec.service} scaled to ${spec.instances}\n`);
  }
  return 0;
}
