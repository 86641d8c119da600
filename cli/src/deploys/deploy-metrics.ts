import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEPLOY_METRICS_SERVICE } from '@platform/consul';
import { consulRequest, type ConsulAccess } from './rollout-kv';

export interface DeployMetricsEndpoint {
  port: number;
  stop(): Promise<void>;
}

/**
 * Serves platform_deploys_total on loopback and registers it in Consul with `metrics-port` meta,
 * which is how Prometheus finds what to scrape (platform/monitoring scrape-targets.ts): no
 * Prometheus setting names the supervisor. Not `protocol: http`, so no load balancer routes it.
 */
export async function startDeployMetrics(access: ConsulAccess, nodeName: string, text: () => string): Promise<DeployMetricsEndpoint> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text());
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const id = `${DEPLOY_METRICS_SERVICE}-${nodeName}`;
  await consulRequest(
    access,
    'PUT',
    '/v1/agent/service/register',
    JSON.stringify({
      ID: id,
      Name: DEPLOY_METRICS_SERVICE,
      Address: '127.0.0.1',
      Port: port,
      Meta: { node: nodeName, 'metrics-port': String(port), 'metrics-path': '/metrics' },
      Check: { HTTP: `http://127.0.0.1:${port}/metrics`, Interval: '10s', Timeout: '2s', DeregisterCriticalServiceAfter: '1m' },
    }),
  );
  return {
    port,
    async stop() {
      await consulRequest(access, 'PUT', `/v1/agent/service/deregister/${encodeURIComponent(id)}`, undefined, [404]).catch(() => undefined);
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
