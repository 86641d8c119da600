import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JaegerQuery, startJaeger, type Jaeger } from '@platform/jaeger';
import { freePort } from '@platform/process-runner';
import { stoppedAtEnd } from './stopped-at-end';

export interface TestTracing {
  jaeger: Jaeger;
  query: JaegerQuery;
  /** What a service instance needs to send its spans here. */
  serviceEnv: { TRACING_OTLP_URL: string; TRACING_SAMPLE_RATIO: string };
  stop(): Promise<void>;
}

/** Real Jaeger on its own loopback ports for one test file, storing in `storeUrl` (the test's OpenSearch). */
export async function startTestTracing(storeUrl: string): Promise<TestTracing> {
  const jaeger = await startJaeger({
    stateDir: mkdtempSync(join(tmpdir(), 'tracing-test-')),
    otlpHttpPort: await freePort(),
    queryPort: await freePort(),
    storeUrls: [storeUrl],
    indexPrefix: `test-${process.pid}`,
  });
  return stoppedAtEnd({
    jaeger,
    query: new JaegerQuery(jaeger.queryUrl),
    serviceEnv: { TRACING_OTLP_URL: jaeger.otlpUrl, TRACING_SAMPLE_RATIO: '1' },
    stop: async () => void (await jaeger.stop(10_000)),
  });
}
