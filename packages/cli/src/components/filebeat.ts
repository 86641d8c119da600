import { join } from 'node:path';
import { startFilebeat } from '@platform/filebeat';
import { loadLogSettings, logStoreUrl } from '../log-settings';
import type { PlatformComponent } from './component';

/** Ships every instance's log file under the node's log folder to the log search store. */
export const filebeatComponent: PlatformComponent = {
  name: 'filebeat',
  async start({ settings, stateDir, env, log }) {
    const logSettings = loadLogSettings();
    const shipper = await startFilebeat({
      stateDir,
      logDir: join(settings.stateDir, 'logs'),
      storeUrl: env.LOG_STORE_URL ?? logStoreUrl(logSettings),
      indexPrefix: env.LOG_INDEX_PREFIX ?? logSettings.indexPrefix,
      httpPort: logSettings.filebeatHttpPort,
    });
    let stopping = false;
    void shipper.exited.then((exit) => {
      if (!stopping) log(`filebeat exited unexpectedly (code ${exit.code}, signal ${exit.signal}); lines wait in the log files until it runs again`);
    });
    return {
      env: {},
      pids: () => [shipper.pid],
      describe: () => [`Log shipping      filebeat → ${env.LOG_STORE_URL ?? logStoreUrl(logSettings)}   (stats: curl http://127.0.0.1:${logSettings.filebeatHttpPort}/stats)`],
      async stop() {
        stopping = true;
        await shipper.stop(10_000);
      },
    };
  },
};
