import { kafkaTable } from '../kafka-view';
import { loadBalancerTable } from '../lb-view';
import { instanceTable, runningState } from '../platform-view';
import { operatorConsulToken } from '../consul-tokens';
import { loadSettings } from '../settings';

export async function status(): Promise<number> {
  const settings = loadSettings();
  const state = runningState(settings.stateDir);
  if (!state) {
    process.stdout.write('the platform is not running (start it with: npm run up)\n');
    return 3;
  }
  process.stdout.write(`supervisor pid ${state.pid}, up since ${state.startedAt}\n`);
  for (const line of state.components.flatMap((c) => c.describe)) process.stdout.write(`  ${line}\n`);
  process.stdout.write('\n');
  const instances = await instanceTable(state, operatorConsulToken(settings));
  process.stdout.write(`${instances.text}\n\n${await loadBalancerTable(instances.consul)}\n`);
  if (state.env.KAFKA_BROKERS) process.stdout.write(`\n${await kafkaTable(state.env.KAFKA_BROKERS)}\n`);
  const crashed = state.instances.filter((i) => i.restarts > 0 && i.lastExit);
  for (const i of crashed) {
    const how = i.lastExit?.signal ? `signal ${i.lastExit.signal}` : `exit code ${i.lastExit?.code}`;
    process.stdout.write(`! ${i.id} crashed ${i.restarts} time(s), last at ${i.lastExit?.at} (${how}); it was restarted\n`);
  }
  return 0;
}
