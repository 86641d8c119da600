import { EXIT } from '../command/command';
import { printResult, progressStream } from '../command/output';
import { withProgress } from '../command/progress';
import { runningState } from '../platform-view';
import { loadSettings, statePaths } from '../settings';
import { callControl } from '../supervisor/control-server';
import { PlatformError } from '@platform/process-runner';

/** `platform scale --json` (docs/cli.md). */
export interface ScaleView {
  scaled: { service: string; instances: number }[];
}

/** `platform scale`: each service to its count through the supervisor; exit 3 when it is not running. */
export async function scale(specs: ScaleView['scaled'], json: boolean): Promise<number> {
  const stateDir = loadSettings().stateDir;
  if (!runningState(stateDir)) throw new PlatformError('PLATFORM_NOT_RUNNING', 'the platform is not running (start it with: npm run up)');
  const stream = progressStream(json);
  for (const spec of specs) {
    await withProgress(`scaling ${spec.service} to ${spec.instances}`, () => callControl(statePaths(stateDir).socket, 'POST', '/scale', spec), stream);
  }
  printResult<ScaleView>(json, { scaled: specs }, (v) => v.scaled.map((s) => `▸ ${s.service} scaled to ${s.instances}`).join('\n'));
  return EXIT.ok;
}
