import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresBinDir } from '@platform/postgres';
import { startTestConsul } from '@platform/tests/dist/harness/consul';
import { startTestLb } from '@platform/tests/dist/harness/load-balancer';
import { startTestPostgres } from '@platform/tests/dist/harness/postgres';
import { printTable } from './stats';

const SECONDS = Number(process.env.BENCH_DURATION_S ?? 8);
const CLIENTS = Number(process.env.BENCH_PG_CLIENTS ?? 8);

interface PgbenchResult {
  tps: number;
  latencyMs: number;
}

function pgbench(addr: string, password: string, args: string[]): PgbenchResult {
  const [host, port] = addr.split(':') as [string, string];
  const run = spawnSync(join(postgresBinDir(), 'pgbench'), ['-h', host, '-p', port, '-U', 'postgres', ...args, 'platform'], {
    env: { ...process.env, PGPASSWORD: password },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`pgbench failed: ${run.stderr}`);
  const tps = Number(/tps = ([\d.]+)/.exec(run.stdout)?.[1]);
  const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(run.stdout)?.[1]);
  return { tps, latencyMs };
}

/**
 * pgbench through the database HAProxy against the same server directly, one run: select-only
 * on the read listener vs the replica behind it (one replica, so both paths reach the same
 * server), and single-row inserts on the write listener vs the primary.
 */
export async function benchDbListeners(): Promise<void> {
  const consul = await startTestConsul();
  const pg = await startTestPostgres({ replicas: 1, consulAddr: consul.httpAddr, roleChecks: true, maxReplicaLagMs: 5_000 });
  const lb = await startTestLb(consul.httpAddr, 'db', { POSTGRES_MAX_REPLICA_LAG_MS: '5000' });
  try {
    const password = pg.cluster.connection(pg.cluster.primary, 'admin').password;
    const primary = `127.0.0.1:${pg.cluster.primary.port}`;
    const replica = `127.0.0.1:${pg.cluster.replicas[0]?.port}`;
    pgbench(primary, password, ['-i', '-q', '-s', '5']);
    await pg.sql(pg.cluster.primary, 'CREATE TABLE IF NOT EXISTS bench_writes (id bigserial PRIMARY KEY, note text)');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const script = join(mkdtempSync(join(tmpdir(), 'pgbench-')), 'insert.sql');
    writeFileSync(script, "INSERT INTO bench_writes (note) VALUES ('x');\n");
    const common = ['-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), '-n'];
    const readDirect = pgbench(replica, password, [...common, '-S']);
    const readLb = pgbench(lb.readAddr as string, password, [...common, '-S']);
    const writeDirect = pgbench(primary, password, [...common, '-f', script]);
    const writeLb = pgbench(lb.addr, password, [...common, '-f', script]);
    printTable(
      `pgbench, ${CLIENTS} clients, ${SECONDS} s each, same run (goal: read listener ≥ 0.9 of direct)`,
      ['workload', 'path', 'tps', 'latency avg ms', 'tps vs direct'],
      [
        ['select-only', 'replica direct', Math.round(readDirect.tps), readDirect.latencyMs, '1.00'],
        ['select-only', 'read listener (HAProxy)', Math.round(readLb.tps), readLb.latencyMs, (readLb.tps / readDirect.tps).toFixed(2)],
        ['insert', 'primary direct', Math.round(writeDirect.tps), writeDirect.latencyMs, '1.00'],
        ['insert', 'write listener (HAProxy)', Math.round(writeLb.tps), writeLb.latencyMs, (writeLb.tps / writeDirect.tps).toFixed(2)],
      ],
    );
  } finally {
    await lb.stop();
    await pg.stop();
    await consul.stop();
  }
}
