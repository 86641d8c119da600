import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controllerEntry } from '@platform/haproxy';
import { freePort, startUntilReady, type ChildHandle } from '@platform/process-runner';
import { passingIds } from './consul-queries';
import { consulTokenEnv } from './service-process';
import { stoppedAtEnd } from './stopped-at-end';

export interface TestLb {
  child: ChildHandle;
  /** host:port of the HAProxy listener (the db role's write listener). */
  addr: string;
  /** The db role's read listener. */
  readAddr?: string;
  adminSocket: string;
  controllerId: string;
  /** The controller's own JSON log. */
  logFile: string;
  /** HAProxy's own output: for the edge, its JSON line per request. */
  haproxyLog: string;
  /** LB_STATE_DIR: haproxy.cfg, haproxy.pid, the sockets. */
  dir: string;
  /** The users HAProxy's worker processes run as (the master's children). */
  workerUsers(): string[];
  stop(): Promise<void>;
}

/**
 * For an edge that a load generator drives from one address: the per-source rate limits off (they
 * would answer 429 to the load itself); failed authentications are still counted.
 */
export const LOAD_TEST_EDGE = { EDGE_LIMIT_CONN_RATE: '0', EDGE_LIMIT_REQUEST_RATE: '0' };

/** A real HAProxy with its sync controller (platform/haproxy), as `platform up` runs it. */
export async function startTestLb(consulAddr: string, role: 'edge' | 'internal' | 'db' = 'internal', extraEnv: Record<string, string> = {}): Promise<TestLb> {
  const dir = mkdtempSync(join(tmpdir(), `lb-${role}-`));
  const port = await freePort();
  const readAddr = role === 'db' ? `127.0.0.1:${await freePort()}` : undefined;
  const controllerId = `lb-${role}-${Math.random().toString(16).slice(2, 8)}`;
  const token = await consulTokenEnv(consulAddr, 'lb-controller', extraEnv);
  const child = await startUntilReady(process.execPath, [controllerEntry], {
    env: {
      PATH: process.env.PATH,
      CONSUL_HTTP_ADDR: consulAddr,
      LB_ROLE: role,
      LB_BIND: `127.0.0.1:${port}`,
      ...(readAddr ? { LB_READ_BIND: readAddr } : {}),
      LB_STATE_DIR: dir,
      INSTANCE_ID: controllerId,
      SERVICE_TAGS: role,
      LOG_DIR: dir,
      LOG_TO_STDOUT: 'false',
      ...token,
      ...extraEnv,
    },
    outputFile: join(dir, 'controller.out'),
    what: `the ${role} load balancer's controller`,
    ready: async () => (await passingIds(consulAddr, 'lb-controller')).includes(controllerId),
    // Node, HAProxy and the first passing check: seconds alone, over 15 s on two cores shared with a whole platform's start.
    timeoutMs: 30_000,
    intervalMs: 100,
  });
  const workerUsers = (): string[] => {
    // HAProxy rewrites its pid file at a reload: an empty read is that moment, not a missing master.
    let master = '';
    for (let attempt = 0; attempt < 50 && master === ''; attempt += 1) {
      master = readFileSync(join(dir, 'haproxy.pid'), 'utf8').trim();
      if (master === '') execFileSync('sleep', ['0.1']);
    }
    return execFileSync('ps', ['-o', 'user=', '--ppid', master], { encoding: 'utf8' }).split('\n').map((u) => u.trim()).filter(Boolean);
  };
  return stoppedAtEnd({ child, addr: `127.0.0.1:${port}`, readAddr, adminSocket: join(dir, 'admin.sock'), controllerId, logFile: join(dir, 'lb-controller', `${controllerId}.log`), haproxyLog: role === 'edge' ? join(extraEnv.LOG_DIR ?? dir, 'edge', `${controllerId}.log`) : join(dir, 'haproxy.log'), dir, workerUsers, stop: async () => void (await child.stop(15_000)) });
}
