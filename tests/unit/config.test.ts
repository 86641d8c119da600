import { ConfigError, env, loadConfig } from '@platform/service-kit';

test('defaults apply when nothing is set', () => {
  const config = loadConfig({});
  expect(config.HOST).toBe('127.0.0.1');
  expect(config.PORT).toBe(0);
  expect(config.CONSUL_HTTP_ADDR).toEqual({ host: '127.0.0.1', port: 8500 });
  expect(config.SERVICE_TAGS).toEqual([]);
  expect(config.LOG_TO_STDOUT).toBe(true);
});

test('values are parsed and typed', () => {
  const config = loadConfig({ PORT: '8080', CONSUL_HTTP_ADDR: 'http://10.0.0.5:8501', SERVICE_TAGS: 'a, b,,c', LOG_TO_STDOUT: 'no', DRAIN_MS: '0' });
  expect(config.PORT).toBe(8080);
  expect(config.CONSUL_HTTP_ADDR).toEqual({ host: '10.0.0.5', port: 8501 });
  expect(config.SERVICE_TAGS).toEqual(['a', 'b', 'c']);
  expect(config.LOG_TO_STDOUT).toBe(false);
  expect(config.DRAIN_MS).toBe(0);
});

test('every bad variable is named in one error', () => {
  let error: unknown;
  try {
    loadConfig({ PORT: '-1', HOST: 'localhost', CONSUL_HTTP_ADDR: 'nowhere' });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const problems = (error as ConfigError).problems.join('\n');
  expect(problems).toContain('PORT: must be an integer between 0 and 65535 (got "-1")');
  expect(problems).toContain('HOST: must be an IPv4 or IPv6 address');
  expect(problems).toContain('CONSUL_HTTP_ADDR: must be host:port');
});

test("a service's own variables are validated with the kit's, and secret-looking values are not echoed", () => {
  const extra = { DATABASE_PASSWORD: env.identifierVar, WORKERS: env.integerVar(1, 8) };
  expect(() => loadConfig({ WORKERS: '9', DATABASE_PASSWORD: 'has spaces!' }, extra)).toThrow(/WORKERS: must be an integer between 1 and 8 \(got "9"\)/);
  try {
    loadConfig({ WORKERS: '2', DATABASE_PASSWORD: 'has spaces!' }, extra);
  } catch (err) {
    expect((err as Error).message).toContain('DATABASE_PASSWORD');
    expect((err as Error).message).not.toContain('has spaces!');
  }
  expect(loadConfig({ WORKERS: '2', DATABASE_PASSWORD: 'ok' }, extra).WORKERS).toBe(2);
});
