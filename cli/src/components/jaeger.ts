import { startJaeger, type Jaeger } from '@platform/jaeger';
import { storeNodeUrls } from '@platform/opensearch';
import { logStoreUrl } from '../log-settings';
import type { PlatformComponent } from './component';
import { keepRunning, type KeptProcess } from './restart-on-exit';

/** Between tries while the log store does not answer yet (Jaeger exits when it cannot reach it at start). */
const FIRST_START_RETRY_MS = 10_000;

/**
 * The trace store: Jaeger receiving OTLP from every instance and keeping spans in the log
 * store's OpenSearch (daily `platform-traces-jaeger-span-*` indices beside the logs' own), with
 * the log store's user when it has one (LOG_STORE_USERNAME, LOG_STORE_PASSWORD_FILE: the file is
 * named to Jaeger, never copied). Tracing is not on any request's path, so a store that does not
 * answer yet (a monitoring node's, elsewhere) does not stop the node: Jaeger is tried again every
 * 10 s, and instances drop their spans meanwhile. With TRACING_OTLP_URL set, spans go to a store
 * elsewhere and none is started here.
 */
export const jaegerComponent: PlatformComponent = {
  name: 'jaeger',
  async start({ settings, stateDir, env, log, changed }) {
    const tracing = settings.tracing;
    if (tracing.externalOtlpUrl) {
      return { env: { TRACING_OTLP_URL: tracing.externalOtlpUrl }, pids: () => [], describe: () => [`Traces            sent to ${tracing.externalOtlpUrl}`], stop: async () => undefined };
    }
    const storeUrl = env.LOG_STORE_URL ?? logStoreUrl(settings.logs);
    const start = () =>
      startJaeger({
        stateDir,
        otlpHost: tracing.host,
        otlpHttpPort: tracing.otlpPort,
        queryPort: tracing.queryPort,
        // A cluster's LOG_STORE_URL names every node; Jaeger takes them as a list.
        storeUrls: storeNodeUrls(storeUrl),
        indexPrefix: tracing.indexPrefix,
        username: settings.logs.storeUsername,
        passwordFile: settings.logs.storePasswordFile,
      });
    let store: KeptProcess<Jaeger> | undefined;
    let retry: NodeJS.Timeout | undefined;
    let stopped = false;
    const attempt = async (tries: number): Promise<void> => {
      try {
        store = await keepRunning(start, { name: 'jaeger', meanwhile: 'instances drop the spans they cannot send; their requests are not slowed', log, changed });
        if (tries > 1) log(`jaeger started (try ${tries})`);
        changed();
      } catch (err) {
        if (tries === 1) log(`jaeger cannot start yet (${err instanceof Error ? err.message.slice(0, 300) : String(err)}); trying every ${FIRST_START_RETRY_MS / 1000} s, spans are dropped meanwhile`);
        if (!stopped) retry = setTimeout(() => void attempt(tries + 1), FIRST_START_RETRY_MS);
      }
    };
    await attempt(1);
    const otlpUrl = `http://${tracing.host}:${tracing.otlpPort}`;
    const queryUrl = `http://127.0.0.1:${tracing.queryPort}`;
    return {
      env: { TRACING_OTLP_URL: otlpUrl },
      pids: () => (store ? [store.current().pid] : []),
      describe: () => [`Traces            ${queryUrl}   (npx platform trace <request id>; spans from every instance at ${otlpUrl}, stored in ${storeUrl}${store ? '' : '; not started yet: the store does not answer'})`],
      async stop() {
        stopped = true;
        clearTimeout(retry);
        await store?.stop(10_000);
      },
    };
  },
};
