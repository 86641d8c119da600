import { LagTracker } from '@platform/postgres';
import { ConfigError, dbConfigShape, formatLsn, loadConfig, parseLsn } from '@platform/service-kit';

test('LSNs parse to numbers that compare, and format back', () => {
  expect(parseLsn('0/3000060')).toBe(0x3000060n);
  expect(parseLsn('16/B374D848')! > parseLsn('15/FFFFFFFF')!).toBe(true);
  expect(formatLsn(parseLsn('16/B374D848')!)).toBe('16/B374D848');
  for (const bad of ['', '0/', '16-B374D848', '1/2/3', 'zz/1', '123456789/0', undefined, null]) expect(parseLsn(bad)).toBeUndefined();
});

test('lag is the age of the oldest primary position the replica has not replayed', () => {
  const lag = new LagTracker();
  expect(lag.lagMs(0n, 1_000)).toBe(0);
  lag.recordPrimary(100n, 1_000);
  lag.recordPrimary(100n, 1_100); // no new WAL: the older sample keeps measuring
  lag.recordPrimary(200n, 1_200);
  expect(lag.lagMs(100n, 1_300)).toBe(100); // 100 replayed; 200, seen at 1200, is not
  expect(lag.lagBytes(100n)).toBe(100);
  expect(lag.lagMs(50n, 1_300)).toBe(100); // replay never goes back; the forgotten sample stays forgotten
  expect(lag.lagMs(200n, 5_000)).toBe(0); // caught up: an idle primary means no lag, however long
});

test('the sample queue stays bounded without losing the oldest position', () => {
  const lag = new LagTracker(10);
  for (let i = 1; i <= 100; i += 1) lag.recordPrimary(BigInt(i), i);
  expect(lag.lagMs(0n, 1_000)).toBe(999);
  expect(lag.lagBytes(0n)).toBe(100);
});

test('database URLs must not carry a password, and a config error does not print one', () => {
  let error: unknown;
  try {
    loadConfig({ DB_WRITE_URL: 'postgresql://app:hunter2@127.0.0.1:5433/platform' }, dbConfigShape);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toContain('DB_WRITE_URL: must not contain a password; use DB_PASSWORD_FILE');
  expect((error as Error).message).not.toContain('hunter2');
  const config = loadConfig({ DB_WRITE_URL: 'postgresql://app@127.0.0.1:5433/platform' }, dbConfigShape);
  expect(config).toMatchObject({ DB_POOL_MAX: 10, DB_STATEMENT_TIMEOUT_MS: 5000, DB_READ_YOUR_WRITES_WAIT_MS: 500, DB_MIGRATE_ON_START: false });
});
