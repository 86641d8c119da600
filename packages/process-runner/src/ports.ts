import { createServer } from 'node:net';

/**
 * Asks the kernel for a free TCP port on a loopback address. The port is released before it is
 * returned, so another process could take it first; callers that bind it soon after are fine.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the kernel chose'));
      });
    });
  });
}
