import { defineCommand, EXIT, UsageError } from '../command/command';
import { printResult, progressStream } from '../command/output';
import { withProgress } from '../command/progress';
import { runningState } from '../platform-view';
import { loadSettings, statePaths } from '../settings';
import { callControl } from '../supervisor/control-server';

export function parseScaleSpec(spec: string): { service: string; instances: number } {
  const match = /^([a-z][a-z0-9-]*)=(\d{1,2})$/.exec(spec);
  if (!match) throw new UsageError(`expected <service>=<count> (count 0..50), got ${JSON.stringify(spec)}`);
  return { service: match[1] as string, instances: Number(match[2]) };
}

/** `platform scale --json` (docs/cli.md). */
export interface ScaleView {
  scaled: { service: string; instances: number }[];
}

export const scaleCommand = defineCommand({
  name: 'scale',
  args: '<service>=<count> ...',
  maxPositionals: 50,
  summary: 'add or remove instances of running services (a new service folder starts too)',
  description: `Sets how many instances of each named service run. New instances start and register; removed
ones drain first (they leave the load balancers, finish their requests, then stop). A service folder
added since up is migrated and started. Exit 3 when the platform is not running.`,
  options: {},
  examples: ['scale users=2', 'scale users=3 orders=2 --json'],
  json: 'document',
  async run({ positionals, json }) {
    if (positionals.length === 0) throw new UsageError('name at least one <service>=<count>');
    const specs = positionals.map(parseScaleSpec);
    const stateDir = loadSettings().stateDir;
    if (!runningState(stateDir)) {
      process.stderr.write('the platform is not running (start it with: npm run up)\n');
      return EXIT.notRunning;
    }
    const stream = progressStream(json);
    for (const spec of specs) {
      await withProgress(`scaling ${spec.service} to ${spec.instances}`, () => callControl(statePaths(stateDir).socket, 'POST', '/scale', spec), stream);
    }
    printResult<ScaleView>(json, { scaled: specs }, (v) => v.scaled.map((s) => `▸ ${s.service} scaled to ${s.instances}`).join('\n'));
    return EXIT.ok;
  },
});
