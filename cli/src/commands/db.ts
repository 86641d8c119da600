import { isLeaderRole, type ClusterMember, type PatroniRest } from '@platform/postgres';
import { EXIT } from '../command/command';
import { printResult } from '../command/output';
import { commandConsulToken } from '../consul-tokens';
import { runningState } from '../platform-view';
import { loadSettings } from '../settings';
import { clusterView, dbStatusText, dbStatusView, MEMBER, patroniMembers, type DbStatusView } from '../db-view';
import { READER_TOKEN } from '@platform/consul';
import { PlatformError } from '@platform/process-runner';

function memberOf(all: Map<string, PatroniRest>, name: string | undefined): PatroniRest {
  if (name === undefined || !MEMBER.test(name)) throw new PlatformError('PLATFORM_USAGE', `a member name such as pg-1 is needed, got ${JSON.stringify(name ?? '')}`);
  const rest = all.get(name);
  if (!rest) throw new PlatformError('PLATFORM_DB_UNKNOWN_MEMBER', `no member ${name}; members: ${[...all.keys()].join(', ')}`);
  return rest;
}

interface Cluster {
  all: Map<string, PatroniRest>;
  view: ClusterMember[];
  leader?: ClusterMember;
}

/** The running cluster through Patroni, or undefined (said on stderr) when the platform is not running. */
async function cluster(): Promise<Cluster | undefined> {
  const settings = loadSettings();
  const consulAddr = runningState(settings.stateDir)?.env.CONSUL_HTTP_ADDR;
  if (!consulAddr) {
    process.stderr.write('the platform is not running (start it with: npm run up)\n');
    return undefined;
  }
  const token = commandConsulToken(settings, READER_TOKEN);
  const all = await patroniMembers(consulAddr, token, settings.stateDir);
  const view = await clusterView(all);
  return { all, view, leader: view.find((m) => isLeaderRole(m.role)) };
}

const printed = async (answer: Promise<string>): Promise<number> => {
  process.stdout.write(`${await answer}\n`);
  return EXIT.ok;
};

/** `platform db status`: exit 1 without a leader, 3 when the platform is not running. */
export async function dbStatus(json: boolean): Promise<number> {
  const found = await cluster();
  if (!found) return EXIT.notRunning;
  printResult<DbStatusView>(json, dbStatusView(found.view), dbStatusText);
  return found.leader ? EXIT.ok : EXIT.failed;
}

/** A planned switchover, to `to` or else the synchronous standby; Patroni waits for it to catch up. */
export async function dbSwitchover(to: string | undefined): Promise<number> {
  const found = await cluster();
  if (!found) return EXIT.notRunning;
  const { all, view, leader } = found;
  if (!leader) throw new PlatformError('PLATFORM_DB_NO_LEADER', 'no leader to switch over from; use platform db failover --to <member>');
  const candidate = to ?? view.find((m) => m.role === 'sync_standby')?.name;
  if (candidate !== undefined) memberOf(all, candidate);
  return printed(memberOf(all, leader.name).switchover(leader.name, candidate));
}

export async function dbFailover(to: string | undefined): Promise<number> {
  const found = await cluster();
  return found ? printed(memberOf(found.all, to).failover(to ?? '')) : EXIT.notRunning;
}

export async function dbReinit(member: string | undefined): Promise<number> {
  const found = await cluster();
  return found ? printed(memberOf(found.all, member).reinit()) : EXIT.notRunning;
}
