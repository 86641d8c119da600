import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort, isFetchBlockedPort } from '@platform/process-runner';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

test('ports come from below the ephemeral range, never twice, and can be bound', async () => {
  const ports: number[] = [];
  for (let i = 0; i < 50; i += 1) ports.push(await freePort());
  expect(new Set(ports).size).toBe(ports.length);
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(10_000);
    expect(port).toBeLessThan(ephemeralLow);
  }
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ports[0], '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
});

test('a process given a port slice k/n draws only ports p with p mod n = k - 1, so parallel workers never draw the same one', async () => {
  const before = process.env.PLATFORM_PORT_SLICE;
  try {
    for (const slice of ['3/8', '1/2', '2/2']) {
      process.env.PLATFORM_PORT_SLICE = slice;
      const [k, n] = slice.split('/').map(Number) as [number, number];
      for (let i = 0; i < 30; i += 1) expect((await freePort()) % n).toBe(k - 1);
    }
    // A malformed slice is ignored (the whole range), never a port outside it.
    process.env.PLATFORM_PORT_SLICE = '9/8';
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(10_000);
    expect(port).toBeLessThan(ephemeralLow);
  } finally {
    if (before === undefined) delete process.env.PLATFORM_PORT_SLICE;
    else process.env.PLATFORM_PORT_SLICE = before;
  }
});

test('a port fetch() refuses (10080, a fetch standard "bad port") is never handed out: a component there would never be seen ready', async () => {
  const slots = ephemeralLow - 10_000;
  // The whole range (the test runner gives each worker a slice), so the draw lands on 10080 first, then on 10081.
  const before = process.env.PLATFORM_PORT_SLICE;
  process.env.PLATFORM_PORT_SLICE = '1/1';
  const random = jest.spyOn(Math, 'random').mockReturnValueOnce(80.5 / slots).mockReturnValueOnce(81.5 / slots);
  try {
    const port = await freePort();
    expect(random.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(port).not.toBe(10_080);
  } finally {
    random.mockRestore();
    if (before === undefined) delete process.env.PLATFORM_PORT_SLICE;
    else process.env.PLATFORM_PORT_SLICE = before;
  }
  expect(isFetchBlockedPort(10_080)).toBe(true);
  expect(isFetchBlockedPort(10_081)).toBe(false);
});
