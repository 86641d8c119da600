import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServiceClient, NO_ROUTE_HEADER, ServiceCallError } from '@platform/service-kit';

let lb: Server;
let port: number;

beforeAll(async () => {
  // Stands in for the internal load balancer: Host `users` is routed (its own 404), Host `ghost` is not.
  lb = createServer((req, res) => {
    res.statusCode = 404;
    res.setHeader('content-type', 'application/problem+json');
    if (req.headers.host === 'ghost') res.setHeader(NO_ROUTE_HEADER, '1');
    res.end(JSON.stringify({ status: 404, title: 'Not Found' }));
  });
  await new Promise<void>((resolve) => lb.listen(0, '127.0.0.1', resolve));
  port = (lb.address() as AddressInfo).port;
});

afterAll(() => lb.close());

test("a service's own 404 is its answer", async () => {
  const answer = await createServiceClient({ host: '127.0.0.1', port }).call('users', '/users/42');
  expect(answer.status).toBe(404);
});

test("the load balancer's own 404 for a service it routes no instance of is a failed call, never the service's not-found", async () => {
  await expect(createServiceClient({ host: '127.0.0.1', port }).call('ghost', '/ghost/42')).rejects.toBeInstanceOf(ServiceCallError);
});
