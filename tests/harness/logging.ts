import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFilebeat, type Filebeat } from '@platform/filebeat';
import { LogStore, startOpenSearchNode, type LogFilter, type OpenSearchNode } from '@platform/opensearch';
import { freePort, waitFor } from '@platform/process-runner';
import { repoRoot } from './service-process';
import { stoppedAtEnd } from './stopped-at-end';

export const loggingFixtureEntry = join(repoRoot, 'tests/dist/fixtures/logging-service.js');

export interface TestLogging {
  /** The node's log folder: services write `<service>/<instance>.log` here, Filebeat ships it. */
  logDir: string;
  store: LogStore;
  openSearch: OpenSearchNode;
  filebeat: Filebeat;
  /** Stops OpenSearch (SIGTERM), keeping its data; startOpenSearch brings it back on the same port. */
  stopOpenSearch(): Promise<void>;
  startOpenSearch(): Promise<void>;
  /** Stops Filebeat (SIGTERM, or SIGKILL with `kill`) and starts it again on the same registry. */
  restartFilebeat(options?: { kill?: boolean; downMs?: number }): Promise<void>;
  /** Waits until exactly `expected` lines match (failing early when more arrive: duplicates). */
  waitForCount(filter: LogFilter, expected: number, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Real OpenSearch and real Filebeat for one test file, through the same platform/ modules
 * `platform up` uses: own loopback ports, own temp folders, own index template.
 */
export async function startTestLogging(): Promise<TestLogging> {
  const root = mkdtempSync(join(tmpdir(), 'logging-test-'));
  const logDir = join(root, 'logs');
  mkdirSync(logDir, { recursive: true });
  const ports = { http: await freePort(), transport: await freePort() };
  const startStore = () => startOpenSearchNode({ stateDir: join(root, 'opensearch'), httpPort: ports.http, transportPort: ports.transport, heap: '384m' });
  // The stats port is chosen at each start, not before OpenSearch's boot: nothing can take it meanwhile.
  const startShipper = async () => startFilebeat({ stateDir: join(root, 'filebeat'), logDir, storeUrl: `http://127.0.0.1:${ports.http}`, httpPort: await freePort() });

  const openSearch = await startStore();
  const store = new LogStore({ url: openSearch.url });
  await store.ensureTemplate();
  const handle: TestLogging = {
    logDir,
    store,
    openSearch,
    filebeat: await startShipper(),
    async stopOpenSearch() {
      await handle.openSearch.stop(20_000);
    },
    async startOpenSearch() {
      handle.openSearch = await startStore();
    },
    async restartFilebeat(options = {}) {
      if (options.kill) {
        handle.filebeat.stop(0).catch(() => undefined);
        await handle.filebeat.exited;
      } else {
        await handle.filebeat.stop(10_000);
      }
      if (options.downMs) await new Promise((resolve) => setTimeout(resolve, options.downMs));
      handle.filebeat = await startShipper();
    },
    async waitForCount(filter, expected, timeoutMs) {
      let last = -1;
      await waitFor(
        async () => {
          await store.refresh();
          last = await store.count(filter);
          if (last > expected) throw new Error(`more lines than written: ${last} > ${expected}`);
          return last === expected;
        },
        { timeoutMs, intervalMs: 500, what: `${expected} lines matching ${JSON.stringify(filter)} (last count ${last})` },
      ).catch((err: Error) => {
        if (last > expected) throw new Error(`duplicates: ${last} lines in the index for ${expected} written`);
        throw err;
      });
      return last;
    },
    async stop() {
      await store.close();
      await handle.filebeat.stop(5_000);
      await handle.openSearch.stop(20_000);
      rmSync(root, { recursive: true, force: true });
    },
  };
  return stoppedAtEnd(handle);
}
