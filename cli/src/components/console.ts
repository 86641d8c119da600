import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import { LogStore, logStoreCredentials } from '@platform/opensearch';
import { READER_TOKEN } from '@platform/consul';
import { ensureSecretFile } from '@platform/process-runner';
import { ConsoleFeed } from '../console/feed';
import { startConsoleServer } from '../console/server';
import { collectSnapshot } from '../console/snapshot';
import { commandConsulToken } from '../consul-tokens';
import { logStoreUrl } from '../log-settings';
import { alertmanagerUrl } from '../monitoring-settings';
import { statePaths, type PlatformSettings } from '../settings';
import type { PlatformComponent, RunningComponent } from './component';

/** The file holding the console's path token (0600, under the state folder like the control socket). */
export const consoleTokenFile = (settings: PlatformSettings): string => join(settings.stateDir, 'console', 'token');

/**
 * The ops console (docs/console.md): one page on loopback, served from the supervisor's process,
 * showing what `platform status`, `alerts` and `db status` show plus traffic and error groups,
 * refreshed by itself. It reads the same sources with the same code; it starts no process.
 */
export const consoleComponent: PlatformComponent = {
  name: 'console',
  async start({ settings }): Promise<RunningComponent> {
    const port = settings.ports.console;
    if (port <= 0) return { env: {}, pids: () => [], describe: () => ['Console           off (CONSOLE_PORT=-1)'], stop: async () => undefined };
    const token = ensureSecretFile(consoleTokenFile(settings), () => randomBytes(18).toString('base64url'));
    const logStore = new LogStore({ url: logStoreUrl(settings.logs), indexPrefix: settings.logs.indexPrefix, ...logStoreCredentials(), requestTimeoutMs: 4_000 });
    const collect = () =>
      collectSnapshot({
        stateDir: settings.stateDir,
        consulToken: () => commandConsulToken(settings, READER_TOKEN),
        prometheusUrl: `http://${settings.monitoring.host}:${settings.monitoring.prometheusPort}`,
        alertmanagerUrl: alertmanagerUrl(settings.monitoring),
        logStore,
      });
    const paths = statePaths(settings.stateDir);
    const feed = new ConsoleFeed({ collect, stateDir: settings.stateDir, stateFile: basename(paths.stateFile) });
    const server = await startConsoleServer({ port, token, feed, collect });
    return {
      // Not the token: the environment reaches every instance; `platform console` reads the file.
      env: { CONSOLE_URL: `http://127.0.0.1:${port}/` },
      pids: () => [],
      describe: () => [`Console           http://127.0.0.1:${port}/   (npx platform console prints its address with the token)`],
      async stop() {
        feed.close();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await logStore.close();
      },
    };
  },
};
