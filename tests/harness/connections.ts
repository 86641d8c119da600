import { execFileSync } from 'node:child_process';

/** TCP connections a process holds open to a local port (Consul's HTTP API), counted by `ss`. */
export function connectionsTo(pid: number, port: number): number {
  const out = execFileSync('ss', ['-tnpH', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(`pid=${pid},`)).length;
}
