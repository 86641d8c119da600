import { EXIT } from '../command/command';
import { printResult } from '../command/output';
import { READER_TOKEN } from '@platform/consul';
import { commandConsulToken } from '../consul-tokens';
import { consulServersText, consulServersView, logStoreText, logStoreView, type ConsulServersView, type LogStoreView } from '../cluster-view';
import { databaseText, databaseView, type DatabaseView } from '../db-view';
import { kafkaText, kafkaView, type KafkaView } from '../kafka-view';
import { loadBalancerText, loadBalancerViews, type LoadBalancerServerView } from '../lb-view';
import { instanceText, instanceViews, runningState, type InstanceView } from '../platform-view';
import { loadSettings } from '../settings';

/** `platform status --json` (docs/cli.md); `running: false` alone when nothing runs. */
export type StatusView =
  | { running: false }
  | {
      running: true;
      supervisor: { pid: number; startedAt: string };
      components: { name: string; describe: string[] }[];
      instances: InstanceView[];
      loadBalancers: LoadBalancerServerView[];
      kafka: KafkaView | null;
      database: DatabaseView | null;
      consulServers: ConsulServersView | null;
      logStore: LogStoreView | null;
    };

function statusText(view: Extract<StatusView, { running: true }>): string {
  const lines = [`supervisor pid ${view.supervisor.pid}, up since ${view.supervisor.startedAt}`];
  lines.push(...view.components.flatMap((c) => c.describe).map((l) => `  ${l}`), '');
  lines.push(instanceText(view.instances), '', loadBalancerText(view.loadBalancers));
  if (view.database) lines.push('', databaseText(view.database));
  if (view.consulServers) lines.push('', consulServersText(view.consulServers));
  if (view.kafka) lines.push('', kafkaText(view.kafka));
  if (view.logStore) lines.push('', logStoreText(view.logStore));
  for (const i of view.instances.filter((i) => (i.restarts ?? 0) > 0 && i.lastExit)) {
    const how = i.lastExit?.signal ? `signal ${i.lastExit.signal}` : `exit code ${i.lastExit?.code}`;
    lines.push(`! ${i.id} crashed ${i.restarts} time(s), last at ${i.lastExit?.at} (${how}); it was restarted`);
  }
  return lines.join('\n');
}

/** `platform status`: exit 3 when the platform is not running. */
export async function status(json: boolean): Promise<number> {
  const settings = loadSettings();
  const state = runningState(settings.stateDir);
  if (!state) {
    if (json) printResult<StatusView>(true, { running: false }, () => '');
    else process.stdout.write('the platform is not running (start it with: npm run up)\n');
    return EXIT.notRunning;
  }
  const token = commandConsulToken(settings, READER_TOKEN);
  const { instances, consul } = await instanceViews(state, token);
  const { CONSUL_HTTP_ADDR: consulAddr, KAFKA_BROKERS: brokers, LOG_STORE_URL: storeUrl } = state.env;
  const view: StatusView = {
    running: true,
    supervisor: { pid: state.pid, startedAt: state.startedAt },
    components: state.components.map((c) => ({ name: c.name, describe: c.describe })),
    instances,
    loadBalancers: await loadBalancerViews(consul),
    kafka: brokers ? await kafkaView(brokers) : null,
    // Every node's Patroni registers in Consul; a node without a database finds none (`error`).
    database: consulAddr ? await databaseView(consulAddr, token, settings.stateDir) : null,
    consulServers: consulAddr ? await consulServersView(consulAddr, token) : null,
    logStore: storeUrl ? await logStoreView(storeUrl) : null,
  };
  printResult(json, view, statusText);
  return EXIT.ok;
}
