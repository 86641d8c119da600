import Consul from 'consul';

export type ConsulClient = InstanceType<typeof Consul>;

/** A client for the local agent; every call is bounded so a hung agent cannot hang the service. */
export function createConsulClient(addr: { host: string; port: number }, timeoutMs = 2_000): ConsulClient {
  return new Consul({ host: addr.host, port: addr.port, defaults: { timeout: timeoutMs } as Record<string, unknown> });
}

export function describeConsulError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
