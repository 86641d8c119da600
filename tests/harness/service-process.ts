import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startChild, startUntilReady, type ChildHandle } from '@platform/process-runner';
import { serviceTokenName } from '@platform/consul';
import { testConsulAt } from './consul';
import { healthOf, passingIds } from './consul-queries';
import { sharedDatabaseFor } from './postgres';
import { stoppedAtEnd } from './stopped-at-end';

export { repoRoot };

/** Compiled entry points the tests start as real processes. */
export const entryPoints = {
  users: join(repoRoot, 'services/users/dist/main.js'),
  orders: join(repoRoot, 'services/orders/dist/main.js'),
  gateway: join(repoRoot, 'services/gateway/dist/main.js'),
  slow: join(repoRoot, 'tests/dist/fixtures/slow-service.js'),
} as const;

export interface ServiceProcess {
  child: ChildHandle;
  instanceId: string;
  /** The port it registered in Consul (set by startRegisteredService). */
  port?: number;
  outputFile: string;
  output(): string;
}

const newOutputFile = (): string => join(mkdtempSync(join(tmpdir(), 'svc-')), 'output.log');

const serviceProcess = (child: ChildHandle, env: Record<string, string>, outputFile: string): ServiceProcess => ({
  child: stoppedAtEnd(child),
  instanceId: env.INSTANCE_ID ?? '',
  outputFile,
  output: () => readFileSync(outputFile, 'utf8'),
});

export function spawnService(entry: string, env: Record<string, string>): ServiceProcess {
  const outputFile = newOutputFile();
  const child = startChild(process.execPath, [entry], { env: { PATH: process.env.PATH, ...env }, outputFile });
  return serviceProcess(child, env, outputFile);
}

/**
 * The CONSUL_HTTP_TOKEN_FILE a process of `service` gets from the harness's agent at `consulAddr`
 * (the token `platform up` would give it), unless `env` brings its own.
 */
export async function consulTokenEnv(consulAddr: string, tokenName: string, env: Record<string, string> = {}): Promise<Record<string, string>> {
  const consul = testConsulAt(consulAddr);
  if (env.CONSUL_HTTP_TOKEN_FILE || !consul) return {};
  return { CONSUL_HTTP_TOKEN_FILE: await consul.tokenFile(tokenName) };
}

/** Starts an instance with a known id and waits until Consul lists it as passing. */
export async function startRegisteredService(entry: string, service: string, consulAddr: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const instanceId = env.INSTANCE_ID ?? `${service}-${Math.random().toString(16).slice(2, 10)}`;
  // users and orders need a database; one is provided unless the test brings its own.
  const database = await sharedDatabaseFor(entry, env);
  const token = await consulTokenEnv(consulAddr, serviceTokenName(service), env);
  const fullEnv = { CONSUL_HTTP_ADDR: consulAddr, INSTANCE_ID: instanceId, ...token, ...database?.env, ...env };
  const outputFile = newOutputFile();
  const child = await startUntilReady(process.execPath, [entry], {
    env: { PATH: process.env.PATH, ...fullEnv },
    outputFile,
    what: `instance ${instanceId}`,
    ready: async () => (await passingIds(consulAddr, service)).includes(instanceId),
    // A Node start plus the first passing check took over 15 s with the CPU shared by other files (CI).
    timeoutMs: 30_000,
    intervalMs: 100,
  }).catch(async (err: unknown) => {
    await database?.release();
    throw err;
  });
  if (database) void child.exited.then(database.release, database.release);
  const proc = serviceProcess(child, fullEnv, outputFile);
  proc.port = (await healthOf(consulAddr, service)).find((e) => e.Service.ID === instanceId)?.Service.Port;
  return proc;
}

/** The slow-service fixture as service `service`, instance `<service>-<label>`, registered and passing. */
export function startFixture(consulAddr: string, service: string, label: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  return startRegisteredService(entryPoints.slow, service, consulAddr, { INSTANCE_ID: `${service}-${label}`, FIXTURE_SERVICE_NAME: service, FIXTURE_LABEL: label, ...env });
}
