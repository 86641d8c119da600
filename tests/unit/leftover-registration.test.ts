import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeLeftoverRegistration } from '../../cli/src/supervisor/leftover-registration';

/** A stand-in for the local Consul agent's service endpoints, recording what it was asked. */
async function fakeAgent(registered: Set<string>): Promise<{ server: Server; addr: string; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    calls.push(`${req.method} ${req.url} ${req.headers['x-consul-token'] ?? 'no token'}`);
    const id = decodeURIComponent(req.url?.split('/').pop() ?? '');
    if (req.method === 'PUT' && req.url?.startsWith('/v1/agent/service/deregister/')) registered.delete(id);
    res.writeHead(req.method === 'GET' && !registered.has(id) ? 404 : 200).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, addr: `127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

const TOKEN = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

test('a stopped instance that died during its shutdown has its registration removed, with its service token; one that deregistered itself is left alone', async () => {
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'leftover-')), 'users.token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const registered = new Set(['users-node-1-2']);
  const agent = await fakeAgent(registered);
  try {
    expect(await removeLeftoverRegistration(agent.addr, tokenFile, 'users-node-1-2')).toBe(true);
    expect(registered.has('users-node-1-2')).toBe(false);
    expect(await removeLeftoverRegistration(agent.addr, tokenFile, 'users-node-1-3')).toBe(false);
    expect(agent.calls).toEqual([
      `GET /v1/agent/service/users-node-1-2 ${TOKEN}`,
      `PUT /v1/agent/service/deregister/users-node-1-2 ${TOKEN}`,
      `GET /v1/agent/service/users-node-1-3 ${TOKEN}`,
    ]);
  } finally {
    agent.server.close();
  }
});
