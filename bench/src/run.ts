import { runFileEndTasks } from '@platform/tests/dist/harness/file-end';
import { endRunTmp, startRunTmp } from '@platform/tests/dist/harness/run-tmp';
import { benchDbFailover } from './db-failover';
import { benchDbListeners } from './db-listeners';
import { benchDiscoveryScale } from './discovery-scale';
import { benchHaproxyScale } from './haproxy-scale';
import { benchEvents } from './events';
import { benchLbThroughput, benchTracingCostOnly } from './lb-throughput';
import { benchPropagation } from './lb-propagation';
import { benchLoggingLoad } from './logging-load';
import { benchLoggingShipping } from './logging-shipping';

/** `npm run bench [name ...]`: every benchmark, or the named ones, each printing its own table. */
const benches: Record<string, () => Promise<void>> = {
  'lb-throughput': benchLbThroughput,
  'tracing-cost': benchTracingCostOnly,
  'lb-propagation': benchPropagation,
  'discovery-scale': async () => {
    await benchDiscoveryScale();
    await benchHaproxyScale();
  },
  'logging-shipping': benchLoggingShipping,
  'logging-load': benchLoggingLoad,
  'db-listeners': benchDbListeners,
  'db-failover': benchDbFailover,
  events: benchEvents,
};

async function main(names: string[]): Promise<void> {
  const chosen = names.length > 0 ? names : Object.keys(benches);
  for (const name of chosen) {
    const bench = benches[name];
    if (!bench) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}`);
    process.stdout.write(`\n== ${name}\n`);
    await bench();
  }
}

/** What the harness still runs (the shared test database, and its Consul), stopped before the exit leaves it behind. */
const stopLeftovers = (): Promise<void> => runFileEndTasks(globalThis, (message) => process.stderr.write(`bench: stopping what is left: ${message}\n`));

/** Where a run's data and output go (databases, log stores, sinks): one folder, gone after a passing run. */
startRunTmp('bench-');
const say = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

main(process.argv.slice(2)).then(
  async () => {
    await stopLeftovers();
    endRunTmp(true, say);
    process.exit(0);
  },
  async (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    await stopLeftovers();
    endRunTmp(false, say);
    process.exit(1);
  },
);
