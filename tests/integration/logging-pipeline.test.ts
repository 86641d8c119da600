import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { field } from '@platform/opensearch';
import { sleep, waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { httpRequest } from '../harness/http-client';
import { loggingFixtureEntry, startTestLogging, type TestLogging } from '../harness/logging';
import { repoRoot, startRegisteredService, type ServiceProcess } from '../harness/service-process';

const run = promisify(execFile);
let consul: TestConsul;
let logging: TestLogging;
let front: ServiceProcess;
let back: ServiceProcess;

const serviceEnv = (name: string, extra: Record<string, string> = {}): Record<string, string> => ({
  FIXTURE_SERVICE_NAME: name,
  LOG_DIR: logging.logDir,
  LOG_TO_STDOUT: 'false',
  NODE_NAME: 'test-node',
  LOG_REDACT_KEYS: 'customerSecretCode',
  ...extra,
});

beforeAll(async () => {
  [consul, logging] = await Promise.all([startTestConsul(), startTestLogging()]);
  back = await startRegisteredService(loggingFixtureEntry, 'log-back', consul.httpAddr, serviceEnv('log-back'));
  front = await startRegisteredService(loggingFixtureEntry, 'log-front', consul.httpAddr, serviceEnv('log-front', { FIXTURE_DOWNSTREAM: `127.0.0.1:${back.port}` }));
}, 150_000);

afterAll(async () => {
  await Promise.all([front, back].filter(Boolean).map((p) => p.child.stop(5_000)));
  await Promise.all([logging?.stop(), consul?.stop()]);
});

test('one request through two services is searchable by its request id within 10 s, in order, with one trace id', async () => {
  const requestId = `hop-${randomBytes(6).toString('hex')}`;
  const traceId = randomBytes(16).toString('hex');
  const sent = Date.now();
  const res = await httpRequest(`127.0.0.1:${front.port}`, '/hop', { headers: { 'x-request-id': requestId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } });
  expect(res.status).toBe(200);
  expect(res.headers['x-request-id']).toBe(requestId);

  const entries = await waitFor(
    async () => {
      const found = await logging.store.searchAll({ requestId });
      return found.length >= 5 ? found : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 200, what: `the 5 lines of request ${requestId} to be searchable` },
  );
  const searchableAfterMs = Date.now() - sent;
  process.stdout.write(`request ${requestId}: all 5 lines searchable ${searchableAfterMs} ms after the request was sent\n`);

  const seen = entries.map((e) => `${e.service}: ${e.message}`);
  expect(seen).toHaveLength(5);
  expect(seen.filter((s) => s.startsWith('log-front'))).toEqual(['log-front: hop received', 'log-front: downstream answered', 'log-front: request completed']);
  expect(seen.filter((s) => s.startsWith('log-back'))).toEqual(['log-back: hop end', 'log-back: request completed']);
  const at = (line: string): number => Date.parse(entries[seen.indexOf(line)]!.timestamp);
  expect(at('log-back: hop end')).toBeGreaterThanOrEqual(at('log-front: hop received'));
  // Not against log-back's `request completed`: that is logged once its response has left, which
  // the caller may already have read and logged about.
  expect(at('log-front: downstream answered')).toBeGreaterThanOrEqual(at('log-back: hop end'));
  for (const entry of entries) {
    expect(field(entry.source, 'trace.id')).toBe(traceId);
    expect(field(entry.source, 'host.name')).toBe('test-node');
    expect(entry.instance).toBe(entry.service === 'log-front' ? front.instanceId : back.instanceId);
  }
  const completed = entries.find((e) => e.service === 'log-front' && e.message === 'request completed')!;
  expect(field(completed.source, 'http.response.status_code')).toBe(200);
  expect(field(completed.source, 'http.request.method')).toBe('GET');

  // The command operators use prints the same lines, in the same order.
  const cli = await run(process.execPath, [join(repoRoot, 'cli/dist/bin.js'), 'logs', '--request-id', requestId], { env: { ...process.env, LOG_STORE_URL: logging.openSearch.url } });
  const printed = cli.stdout.trim().split('\n');
  expect(printed).toHaveLength(5);
  printed.forEach((line, i) => expect(line).toContain(entries[i]!.message));
  expect(printed.every((line) => line.includes(`[${requestId}]`))).toBe(true);
});

test('secrets sent in headers, query and body appear nowhere in the index nor in the log files', async () => {
  const tag = randomBytes(4).toString('hex');
  const secrets = {
    bearer: `bearer-${tag}-9f8e7d`,
    cookie: `cookie-${tag}-6c5b4a`,
    apiKeyHeader: `apikeyh-${tag}-1a2b3c`,
    authToken: `authtok-${tag}-4d5e6f`,
    queryToken: `querytok-${tag}-7a8b9c`,
    password: `passw-${tag}-0d1e2f`,
    bodyApiKey: `apikeyb-${tag}-3a4b5c`,
    refreshToken: `refresh-${tag}-6d7e8f`,
    ssn: `ssn-${tag}-9a0b1c`,
    configured: `custom-${tag}-2d3e4f`,
  };
  const requestId = `login-${tag}-secrets`;
  const res = await httpRequest(`127.0.0.1:${front.port}`, `/login?token=${secrets.queryToken}&page=2`, {
    method: 'POST',
    headers: { 'x-request-id': requestId, authorization: `Bearer ${secrets.bearer}`, cookie: `session=${secrets.cookie}`, 'x-api-key': secrets.apiKeyHeader, 'x-auth-token': secrets.authToken },
    body: JSON.stringify({ user: 'ann', password: secrets.password, apiKey: secrets.bodyApiKey, profile: { refresh_token: secrets.refreshToken, ssn: secrets.ssn }, customerSecretCode: secrets.configured }),
  });
  expect(res.status).toBe(200);

  const entries = await waitFor(
    async () => {
      const found = await logging.store.searchAll({ requestId });
      return found.length >= 2 ? found : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 200, what: 'the login lines to be searchable' },
  );
  const attempt = entries.find((e) => e.message === 'login attempt')!;
  // Redacted, not dropped: the fields are there with the placeholder.
  expect(field(attempt.source, 'body.password')).toBe('[REDACTED]');
  expect(field(attempt.source, 'headers.authorization')).toBe('[REDACTED]');
  expect(field(attempt.source, 'body.user')).toBe('ann');

  await logging.store.refresh();
  const everything = JSON.stringify((await logging.store.searchAll({})).map((e) => e.source));
  const files = [front, back].map((p) => readFileSync(join(logging.logDir, p === front ? 'log-front' : 'log-back', `${p.instanceId}.log`), 'utf8')).join('\n');
  expect(readdirSync(join(logging.logDir, 'log-front'))).toContain(`${front.instanceId}.log`);
  for (const [name, secret] of Object.entries(secrets)) {
    expect({ name, inIndex: everything.includes(secret) }).toEqual({ name, inIndex: false });
    expect({ name, inFiles: files.includes(secret) }).toEqual({ name, inFiles: false });
  }
});

test('platform logs --follow prints new lines of a service as they arrive, and only that service', async () => {
  const follower = spawn(process.execPath, [join(repoRoot, 'cli/dist/bin.js'), 'logs', '--service', 'log-back', '--follow', '-n', '0'], { env: { ...process.env, LOG_STORE_URL: logging.openSearch.url } });
  let printed = '';
  follower.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  try {
    await sleep(1_500);
    const requestId = `follow-${randomBytes(6).toString('hex')}`;
    expect((await httpRequest(`127.0.0.1:${front.port}`, '/hop', { headers: { 'x-request-id': requestId } })).status).toBe(200);
    // No latency is promised here (the pipeline's is measured in bench/): shipping, the store's
    // refresh and the poll took over 10 s once in CI, with another platform test beside this one.
    await waitFor(() => printed.split('\n').filter((l) => l.includes(requestId)).length >= 2, { timeoutMs: 30_000, intervalMs: 100, what: `--follow to print log-back's lines of ${requestId}` });
    const lines = printed.split('\n').filter((l) => l.includes(requestId));
    expect(lines.map((l) => (l.includes('hop end') ? 'hop end' : l.includes('request completed') ? 'request completed' : l))).toEqual(['hop end', 'request completed']);
    expect(printed).not.toContain('hop received');
  } finally {
    follower.kill('SIGTERM');
  }
});
