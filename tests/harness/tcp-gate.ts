import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on loopback in front of a real server that can be shut for a while: shutting it
 * cuts the connections it carries, and while shut it accepts each new connection and closes it at
 * once, as the database HAProxy does while its backend has no server (the primary cut for a moment).
 */
export interface TcpGate {
  /** host:port to connect to instead of the server. */
  addr: string;
  shut(): void;
  open(): void;
  close(): Promise<void>;
}

export async function startTcpGate(target: { host: string; port: number }): Promise<TcpGate> {
  let shut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (shut) {
      client.destroy();
      return;
    }
    const upstream = createConnection(target);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the gate has no TCP address');
  return {
    addr: `127.0.0.1:${address.port}`,
    shut: () => {
      shut = true;
      for (const s of sockets) s.destroy();
    },
    open: () => {
      shut = false;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A database URL that connects through the gate (`addr`) instead of the server it names. */
export const urlVia = (url: string, addr: string): string => url.replace(/@[^/]+\//, `@${addr}/`);
