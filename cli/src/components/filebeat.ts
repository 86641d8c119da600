import { join } from 'node:path';
import { startFilebeat } from '@platform/filebeat';
import { logStoreUrl } from '../log-settings';
import type { PlatformComponent } from './component';
import { keepRunning } from './restart-on-exit';

/** Ships every instance's log file under the node's log folder to the log search store. */
export const filebeatComponent: PlatformComponent = {
  name: 'filebeat',
  async start({ settings, stateDir, env, log, changed }) {
    const logSettings = settings.logs;
    const start = () =>
      startFilebeat({
        stateDir,
        logDir: join(settings.stateDir, 'logs'),
        storeUrl: env.LOG_STORE_URL ?? logStoreUrl(logSettings),
        indexPrefix: env.LOG_INDEX_PREFIX ?? logSettings.indexPrefix,
        httpPort: logSettings.filebeatHttpPort,
      });
    const shipper = await keepRunning(start, { name: 'filebeat', meanwhile: 'lines wait in the log files, and its registry says where to go on', log, changed });
    return {
      env: {},
      pids: () => [shipper.current().pid],
      describe: () => [`Log shipping      filebeat → ${env.LOG_STORE_URL ?? logStoreUrl(logSettings)}   (stats: curl http://127.0.0.1:${logSettings.filebeatHttpPort}/stats)`],
      stop: () => shipper.stop(10_000),
    };
  },
};
