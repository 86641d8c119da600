import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findUser } from '@platform/process-runner';
import type { PlatformSettings } from '../../cli/src/settings';
import { ensureRecordedAccount, forgetAccount, madeAccount } from '../../cli/src/supervisor/made-accounts';
import { revokeService } from '../../cli/src/supervisor/service-revocation';

/** The ledger's rule: only an account the platform made is ever removed. (Consul and real accounts: tests/integration/service-revocation.test.ts.) */
let stateDir: string;

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'revocation-'));
});

afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

test('an account that existed before is never recorded as made, so nothing would remove it', () => {
  const root = ensureRecordedAccount(stateDir, 'root');
  expect(root.uid).toBe(0);
  expect(madeAccount(stateDir, 'root')).toBeUndefined();
  expect(existsSync(join(stateDir, 'made-accounts.json'))).toBe(false);
});

test('a ledger that is not the shape written, or not JSON, names no account', () => {
  writeFileSync(join(stateDir, 'made-accounts.json'), JSON.stringify({ root: { madeGroup: 'yes' }, daemon: true, 'platform-svc-a': { madeGroup: false } }));
  expect(madeAccount(stateDir, 'root')).toBeUndefined();
  expect(madeAccount(stateDir, 'daemon')).toBeUndefined();
  expect(madeAccount(stateDir, 'platform-svc-a')).toEqual({ madeGroup: false });
  forgetAccount(stateDir, 'platform-svc-a');
  expect(madeAccount(stateDir, 'platform-svc-a')).toBeUndefined();
  expect((statSync(join(stateDir, 'made-accounts.json')).mode & 0o777).toString(8)).toBe('600');
  writeFileSync(join(stateDir, 'made-accounts.json'), '{not json');
  expect(madeAccount(stateDir, 'platform-svc-a')).toBeUndefined();
});

test("removing a service deletes its copies of secrets and keeps an account the platform did not make, saying so", async () => {
  const runDir = join(stateDir, 'run', 'users');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'consul-http-token'), 'secret');
  const settings = { stateDir, node: { role: 'all' } } as unknown as PlatformSettings;
  const root = findUser('root');
  const result = await revokeService({ settings, consulAddr: '127.0.0.1:1', service: 'users', account: root, logDir: join(stateDir, 'logs') });
  expect(result.problems).toEqual([]);
  expect(result.done).toEqual([`its copies of secrets in ${runDir} deleted`, 'OS user root kept (the platform did not make it)']);
  expect(existsSync(runDir)).toBe(false);
  expect(findUser('root')).toBeDefined();
});
