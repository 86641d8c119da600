import { UsageError } from './command/command';

/** `users=3`: a service and how many instances it should run (0..50). */
export function parseScaleSpec(spec: string): { service: string; instances: number } {
  const match = /^([a-z][a-z0-9-]*)=(\d{1,2})$/.exec(spec);
  if (!match) throw new UsageError(`expected <service>=<count> (count 0..50), got ${JSON.stringify(spec)}`);
  return { service: match[1] as string, instances: Number(match[2]) };
}
