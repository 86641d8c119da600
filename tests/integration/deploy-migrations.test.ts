import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@platform/process-runner';
import { DeployRunner } from '@platform/cli/dist/deploys/deploy-runner';
import type { DeployStatus } from '@platform/cli/dist/deploys/deploy-status';
import type { Fleet, FleetInstance } from '@platform/cli/dist/deploys/fleet';
import { applyReleaseMigrations } from '@platform/cli/dist/deploys/release-migrations';
import { buildRelease, type Release } from '@platform/cli/dist/releases/release-store';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startTestPostgres, type TestPostgres } from '../harness/postgres';
import { startTcpGate, urlVia } from '../harness/tcp-gate';

/**
 * A deploy applies its release's pending migrations before its first new instance starts, with the
 * runner `platform migrate` uses, against a real PostgreSQL. The fleet is the supervisor's side
 * (deploys/fleet.ts): it records what the deploy asked of it and runs no instance, so a deploy of
 * a service with none applies its migrations and adopts the release.
 */
const SERVICE = 'ledger';
let consul: TestConsul;
let pg: TestPostgres;
let env: Record<string, string>;
let work: string;

const CREATE_ENTRIES = '-- Up Migration\nCREATE TABLE entries (id bigint PRIMARY KEY, amount numeric NOT NULL);\n\n-- Down Migration\nDROP TABLE entries;\n';
const ADD_NOTE = '-- Up Migration\nALTER TABLE entries ADD COLUMN note text;\n\n-- Down Migration\nALTER TABLE entries DROP COLUMN note;\n';
const ADD_INDEX = '-- Up Migration\nCREATE INDEX entries_amount ON entries (amount);\n\n-- Down Migration\nDROP INDEX entries_amount;\n';
const BROKEN = '-- Up Migration\nALTER TABLE entries ADD COLUMN currency text REFERENCES no_such_table (code);\n\n-- Down Migration\nALTER TABLE entries DROP COLUMN currency;\n';

/** A built service folder of `version` with these migration files, released into the test's folder. */
function release(version: string, migrations: Record<string, string>): Release {
  const source = join(work, `src-${version}`);
  mkdirSync(join(source, 'dist'), { recursive: true });
  mkdirSync(join(source, 'migrations'), { recursive: true });
  writeFileSync(join(source, 'package.json'), JSON.stringify({ name: SERVICE, version, main: 'dist/main.js', platform: {} }));
  writeFileSync(join(source, 'dist/main.js'), '');
  for (const [name, sql] of Object.entries(migrations)) writeFileSync(join(source, 'migrations', name), sql);
  return buildRelease(SERVICE, source, join(work, 'releases'));
}

interface RecordingFleet extends Fleet {
  calls: string[];
}

function recordingFleet(running: Release, dbEnv: Record<string, string> = env): RecordingFleet {
  const calls: string[] = [];
  let current = running;
  return {
    calls,
    instances: () => [],
    running: () => current,
    start: (_service, r): FleetInstance => {
      calls.push(`start ${r.id}`);
      throw new Error('this test runs no instance');
    },
    drain: async (i) => {
      calls.push(`drain ${i.state.id}`);
    },
    adopt: (_service, r) => {
      calls.push(`adopt ${r.id}`);
      current = r;
    },
    migrate: async (r) => {
      calls.push(`migrate ${r.id}`);
      return applyReleaseMigrations(dbEnv, r);
    },
    consul: () => ({ addr: consul.httpAddr, token: consul.managementToken }),
    log: () => undefined,
  };
}

async function deployAndWait(fleet: Fleet, target: Release): Promise<DeployStatus> {
  const runner = new DeployRunner(fleet, { stateDir: join(work, 'state'), releasesDir: join(work, 'releases'), keepReleases: 5 });
  const status = await runner.deploy({ service: SERVICE, release: target.id, strategy: 'rolling' });
  await waitFor(() => !runner.busy(SERVICE), { timeoutMs: 30_000, intervalMs: 50, what: `the deploy of ${target.id} to end` });
  return status;
}

const applied = async (): Promise<string[]> => (await pg.sql<{ name: string }>(pg.cluster.primary, `SELECT name FROM ${SERVICE}.pgmigrations ORDER BY id`)).map((r) => r.name);
const columns = async (): Promise<string[]> =>
  (await pg.sql<{ column_name: string }>(pg.cluster.primary, "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'entries' ORDER BY ordinal_position", [SERVICE])).map((r) => r.column_name);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'deploy-migrations-'));
  consul = await startTestConsul();
  pg = await startTestPostgres({ replicas: 0, synchronous: false, consulAddr: consul.httpAddr });
  const { cluster } = pg;
  env = { DB_WRITE_URL: cluster.url(cluster.primary), DB_PASSWORD_FILE: cluster.secrets.passwordFile('app') };
});

afterAll(async () => {
  await pg?.stop();
  await consul?.stop();
  rmSync(work, { recursive: true, force: true });
});

let v1: Release;
let v2: Release;

test("a deploy applies the new release's pending migrations, from the release's own folder, before it starts or adopts anything", async () => {
  v1 = release('0.1.0', { '1000_create-entries.sql': CREATE_ENTRIES });
  expect(await applyReleaseMigrations(env, v1)).toEqual(['1000_create-entries']);
  v2 = release('0.2.0', { '1000_create-entries.sql': CREATE_ENTRIES, '2000_add-note.sql': ADD_NOTE });
  const fleet = recordingFleet(v1);

  const status = await deployAndWait(fleet, v2);

  expect({ outcome: status.outcome, error: status.error }).toEqual({ outcome: 'done', error: null });
  expect(fleet.calls).toEqual([`migrate ${v2.id}`, `adopt ${v2.id}`]);
  expect(status.decisions.map((d) => d.message)).toContain('migrations applied: 2000_add-note');
  expect(await applied()).toEqual(['1000_create-entries', '2000_add-note']);
  expect(await columns()).toEqual(['id', 'amount', 'note']);
});

test('a release whose migration fails is not started: the deploy fails with PLATFORM_DEPLOY_MIGRATION_FAILED, none of its migrations is applied, the old release stays', async () => {
  const v3 = release('0.3.0', { '1000_create-entries.sql': CREATE_ENTRIES, '2000_add-note.sql': ADD_NOTE, '3000_add-index.sql': ADD_INDEX, '3001_add-currency.sql': BROKEN });
  const fleet = recordingFleet(v2);

  const status = await deployAndWait(fleet, v3);

  expect({ outcome: status.outcome, code: status.code }).toEqual({ outcome: 'failed', code: 'PLATFORM_DEPLOY_MIGRATION_FAILED' });
  expect(status.error).toMatch(new RegExp(`migrations of ${SERVICE} release ${v3.id} failed, so no instance of it was started: .*no_such_table`));
  expect(fleet.calls).toEqual([`migrate ${v3.id}`]);
  expect(fleet.running(SERVICE).id).toBe(v2.id);
  // One transaction: the good migration before the broken one is rolled back with it.
  expect(await applied()).toEqual(['1000_create-entries', '2000_add-note']);
  expect((await pg.sql(pg.cluster.primary, "SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = 'entries_amount'", [SERVICE])).length).toBe(0);
});

test('a release with no new migration applies nothing and is deployed', async () => {
  const fleet = recordingFleet(v1);
  const status = await deployAndWait(fleet, v2);
  expect(status.outcome).toBe('done');
  expect(status.decisions.map((d) => d.message)).toContain('no pending migration');
  expect(fleet.calls).toEqual([`migrate ${v2.id}`, `adopt ${v2.id}`]);
});

test('a deploy while the write path has no primary for a moment (each connection closed at once) waits for it and applies its migrations', async () => {
  const primary = pg.cluster.primary;
  const gate = await startTcpGate({ host: primary.host, port: primary.port });
  try {
    const v4 = release('0.4.0', { '1000_create-entries.sql': CREATE_ENTRIES, '2000_add-note.sql': ADD_NOTE, '3000_add-index.sql': ADD_INDEX });
    const fleet = recordingFleet(v2, { ...env, DB_WRITE_URL: urlVia(env.DB_WRITE_URL!, gate.addr) });
    gate.shut();
    setTimeout(() => gate.open(), 1_500);

    const status = await deployAndWait(fleet, v4);

    expect({ outcome: status.outcome, error: status.error }).toEqual({ outcome: 'done', error: null });
    expect(fleet.calls).toEqual([`migrate ${v4.id}`, `adopt ${v4.id}`]);
    expect(await applied()).toEqual(['1000_create-entries', '2000_add-note', '3000_add-index']);
  } finally {
    await gate.close();
  }
});
