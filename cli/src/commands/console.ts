import { readSecretFile } from '@platform/process-runner';
import { EXIT } from '../command/command';
import { printResult } from '../command/output';
import { consoleTokenFile } from '../components/console';
import { runningState } from '../platform-view';
import { loadSettings } from '../settings';

/**
 * `platform console`: the running console's address with its token (the page needs both), on
 * stdout alone so that $(platform console) is the URL. Exit 3 when the platform (or its console) is
 * not running.
 */
export function consoleAddress(json: boolean): number {
  const settings = loadSettings();
  const state = runningState(settings.stateDir);
  const base = state?.env.CONSOLE_URL;
  if (!state || !base) {
    process.stderr.write(state ? 'the console is off (CONSOLE_PORT=-1 when the platform started)\n' : 'the platform is not running (start it with: npm run up)\n');
    return EXIT.notRunning;
  }
  const url = `${base}${readSecretFile(consoleTokenFile(settings), 'the console token file')}/`;
  printResult(json, { url }, (r) => r.url);
  return EXIT.ok;
}
