import { FLAGS_WRITER_TOKEN, READER_TOKEN } from '@platform/consul';
import { PlatformError } from '@platform/process-runner';
import { consulHeaders, describeFlagValue, FLAG_NAME, flagKey, FLAGS_KV_ROOT, flagValueFromWord, formatFlagValue, parseFlagValue, type FlagValue } from '@platform/service-kit';
import { EXIT, UsageError } from '../command/command';
import { printResult } from '../command/output';
import { commandConsulToken, type CommandTokenName } from '../consul-tokens';
import { runningState } from '../platform-view';
import { loadSettings, type PlatformSettings } from '../settings';
import { formatTable } from '../table';

/** One flag as `platform flags get|list --json` shows it; `value` null and `problem` set for a record the kit rejects. */
export interface FlagView {
  name: string;
  value: FlagValue | null;
  /** `on`, `off`, `30%`, or `invalid`. */
  shown: string;
  problem: string | null;
}

interface KvEntry {
  Key: string;
  Value: string | null;
}

/** The running platform's agent, else this node's configured one (a node's supervisor may be starting). */
const consulAddr = (settings: PlatformSettings): string => runningState(settings.stateDir)?.env.CONSUL_HTTP_ADDR ?? `127.0.0.1:${settings.consul.http}`;

const notAnswering = (addr: string, err: unknown): PlatformError =>
  new PlatformError('PLATFORM_NOT_RUNNING', `Consul at ${addr} does not answer (${err instanceof Error ? err.message : String(err)}); is the platform up?`);

/** The command's token; without one, a Consul that does not answer is said first (a machine that never ran `up` has neither). */
async function tokenFor(settings: PlatformSettings, addr: string, name: CommandTokenName): Promise<string> {
  try {
    return commandConsulToken(settings, name);
  } catch (missing) {
    // Status endpoints need no token.
    await fetch(`http://${addr}/v1/status/leader`, { signal: AbortSignal.timeout(5_000) }).catch((err: unknown) => {
      throw notAnswering(addr, err);
    });
    throw missing;
  }
}

async function consulKv(settings: PlatformSettings, path: string, init: { method?: 'GET' | 'PUT'; body?: string; token: CommandTokenName }): Promise<Response | undefined> {
  const addr = consulAddr(settings);
  const token = await tokenFor(settings, addr, init.token);
  let res: Response;
  try {
    res = await fetch(`http://${addr}/v1/kv/${path}`, { method: init.method ?? 'GET', body: init.body, headers: consulHeaders(token), signal: AbortSignal.timeout(5_000) });
  } catch (err) {
    throw notAnswering(addr, err);
  }
  if (res.status === 404) return undefined;
  if (res.status === 403) throw new PlatformError('PLATFORM_CONSUL_TOKEN_MISSING', `Consul refused ${init.method ?? 'GET'} ${path}: this machine's Consul token may not ${init.method === 'PUT' ? 'write' : 'read'} the flags (the ${FLAGS_WRITER_TOKEN} token sets them)`);
  if (!res.ok) throw new PlatformError('PLATFORM_CONSUL_UNAVAILABLE', `Consul answered ${res.status} to ${init.method ?? 'GET'} ${path}`);
  return res;
}

function view(name: string, base64: string | null): FlagView {
  try {
    const value = parseFlagValue(Buffer.from(base64 ?? '', 'base64').toString('utf8'));
    return { name, value, shown: describeFlagValue(value), problem: null };
  } catch (err) {
    return { name, value: null, shown: 'invalid', problem: `the record ${err instanceof Error ? err.message : String(err)}; instances keep their last good value` };
  }
}

export function checkFlagName(name: string | undefined): string {
  if (name === undefined || !FLAG_NAME.test(name)) throw new UsageError(`${JSON.stringify(name ?? '')} is not a flag name (lower-case letters, digits and dashes, starting with a letter, at most 63)`);
  return name;
}

/** `platform flags set <name> on|off|<n>%`: written with the `flags-writer` token, the only one allowed to. */
export async function flagsSet(rawName: string | undefined, word: string | undefined): Promise<number> {
  const name = checkFlagName(rawName);
  const value = word === undefined ? undefined : flagValueFromWord(word);
  if (!value) throw new UsageError(`the value must be on, off or a whole percentage such as 30%, got ${JSON.stringify(word ?? '')}`);
  const settings = loadSettings();
  const before = await consulKv(settings, flagKey(name), { token: FLAGS_WRITER_TOKEN });
  const was = before ? view(name, ((await before.json()) as KvEntry[])[0]?.Value ?? null).shown : 'not set';
  await consulKv(settings, flagKey(name), { method: 'PUT', body: formatFlagValue(value), token: FLAGS_WRITER_TOKEN });
  process.stdout.write(`${name}: ${describeFlagValue(value)} (was ${was}); every running instance applies it within a second\n`);
  return EXIT.ok;
}

/** `platform flags get <name>`: `not set` (value null) when no record exists. */
export async function flagsGet(rawName: string | undefined, json: boolean): Promise<number> {
  const name = checkFlagName(rawName);
  const settings = loadSettings();
  const res = await consulKv(settings, flagKey(name), { token: READER_TOKEN });
  const found = res ? view(name, ((await res.json()) as KvEntry[])[0]?.Value ?? null) : undefined;
  printResult(json, found ?? { name, value: null, shown: 'not set', problem: null }, (f) => `${f.name}: ${f.shown}${f.problem ? ` (${f.problem})` : ''}`);
  return EXIT.ok;
}

/** `platform flags list`: every flag under the prefix, a rejected record shown as invalid with why. */
export async function flagsList(json: boolean): Promise<number> {
  const settings = loadSettings();
  const res = await consulKv(settings, `${FLAGS_KV_ROOT}?recurse=true`, { token: READER_TOKEN });
  const entries = res ? ((await res.json()) as KvEntry[]) : [];
  const flags = entries.filter((e) => !e.Key.endsWith('/')).map((e) => view(e.Key.slice(FLAGS_KV_ROOT.length), e.Value));
  printResult(json, { flags }, (r) => (r.flags.length === 0 ? 'no feature flag set' : formatTable(['FLAG', 'VALUE', 'PROBLEM'], r.flags.map((f) => [f.name, f.shown, f.problem ?? '']))));
  return EXIT.ok;
}
