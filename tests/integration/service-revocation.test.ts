import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConsulAcl } from '@platform/consul';
import { asUser, ensureSystemAccount, findUser, processesOf, removeSystemAccount, runningAsRoot, waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';

/**
 * What `platform remove service` takes back (cli/src/supervisor/service-revocation.ts), on the
 * real parts: the service's token in a real Consul with ACLs, and a real OS account. Which account
 * may go at all (only one the platform made) is the ledger's rule, tested in
 * tests/unit/service-revocation.test.ts.
 */
let consul: TestConsul;

const call = (path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<Response> =>
  fetch(`http://${consul.httpAddr}${path}`, { method: init.method ?? 'GET', headers: { 'X-Consul-Token': token }, body: init.body === undefined ? undefined : JSON.stringify(init.body) });

const hasGroup = (name: string): boolean => {
  try {
    execFileSync('getent', ['group', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const codeOf = (work: () => void): unknown => {
  try {
    work();
    return undefined;
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
};

beforeAll(async () => {
  consul = await startTestConsul();
}, 60_000);

afterAll(async () => {
  await consul?.stop();
});

test("a revoked service token is refused (403) at once, its own policy is gone with it, other tokens keep working, and revoking again finds nothing", async () => {
  const secret = readFileSync(await consul.tokenFile('service-gamma'), 'utf8').trim();
  const other = readFileSync(await consul.tokenFile('service-delta'), 'utf8').trim();
  const gamma = { Name: 'gamma', ID: 'gamma-1', Address: '127.0.0.1', Port: 9 };
  expect((await call('/v1/agent/service/register', secret, { method: 'PUT', body: gamma })).status).toBe(200);
  expect((await call('/v1/acl/policy/name/platform-drain-gamma', consul.managementToken)).status).toBe(200);

  const acl = new ConsulAcl(consul.httpAddr, consul.managementToken);
  expect(await acl.revokeNamedToken('service-gamma', secret, { datacenter: 'local' })).toBe(true);
  expect((await call('/v1/acl/token/self', secret)).status).toBe(403);
  expect((await call('/v1/agent/service/register', secret, { method: 'PUT', body: { ...gamma, ID: 'gamma-2' } })).status).toBe(403);
  expect((await call('/v1/kv/platform/drain/gamma/gamma-1/lb-x', secret, { method: 'PUT', body: 'x' })).status).toBe(403);
  expect((await call('/v1/acl/policy/name/platform-drain-gamma', consul.managementToken)).status).toBe(404);
  expect((await call('/v1/acl/token/self', other)).status).toBe(200);
  expect((await call('/v1/acl/policy/name/platform-drain-delta', consul.managementToken)).status).toBe(200);
  expect(await acl.revokeNamedToken('service-gamma', secret, { datacenter: 'local' })).toBe(false);
});

// Making OS accounts needs root (the test machine runs as root, as `platform up` does).
(runningAsRoot() ? test : test.skip)('an account the platform made is kept while a process runs as it, then removed with its group once none does', async () => {
  const name = `platform-t-${randomBytes(4).toString('hex')}`;
  const made = ensureSystemAccount(name);
  try {
    expect(made).toMatchObject({ madeUser: true, madeGroup: true });
    const { command, args } = asUser(made.user, 'sleep', ['30']);
    const leftover = spawn(command, args, { stdio: 'ignore' });
    await waitFor(() => processesOf(made.user.uid).length > 0, { timeoutMs: 5_000, intervalMs: 20, what: `a process running as ${name}` });
    expect(codeOf(() => removeSystemAccount(name, made))).toBe('PLATFORM_OS_USER_BUSY');
    expect(findUser(name)).toBeDefined();

    const exited = new Promise((resolve) => leftover.once('exit', resolve));
    leftover.kill('SIGKILL');
    await exited;
    removeSystemAccount(name, made);
    expect(findUser(name)).toBeUndefined();
    expect(hasGroup(name)).toBe(false);
  } finally {
    if (findUser(name)) execFileSync('userdel', [name]);
  }
});
