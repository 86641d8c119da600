import { isIP, isIPv4 } from 'node:net';
import { z } from 'zod';
import { isFetchBlockedPort } from '@platform/process-runner';

/** Environment variables arrive as strings; these turn them into typed values with plain messages. */

export const integerVar = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, `must be an integer between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be an integer between ${min} and ${max}`).max(max, `must be an integer between ${min} and ${max}`));

/** A port to listen on, within [min, max]; never one fetch() refuses, since components are checked over HTTP. */
export const portInRangeVar = (min: number, max: number) =>
  integerVar(min, max).refine((port) => !isFetchBlockedPort(port), (port) => ({ message: `${port} is a port fetch() refuses to connect to (the fetch standard's "bad ports"); choose another` }));

export const portVar = portInRangeVar(0, 65535);

/** true/false, also written 1/0, yes/no or on/off, in any case. */
export const booleanVar = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { errorMap: () => ({ message: 'must be true or false (or on/off)' }) }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');

/** Consul's duration syntax, which the kit passes through to check definitions unchanged. */
export const durationVar = z.string().regex(/^\d+(ms|s|m|h)$/, 'must be a duration such as 500ms, 1s or 1m');

export const ipVar = z.string().refine((v) => isIP(v) !== 0, 'must be an IPv4 or IPv6 address');

export const ipv4Var = z.string().trim().refine((v) => isIPv4(v), 'must be an IPv4 address');

/** host:port with a numeric port, as CONSUL_HTTP_ADDR is written (an http:// prefix is accepted). */
export const hostPortVar = z
  .string()
  .transform((v) => v.replace(/^https?:\/\//, ''))
  .pipe(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port, for example 127.0.0.1:8500'))
  .transform((v) => {
    const at = v.lastIndexOf(':');
    return { host: v.slice(0, at), port: Number(v.slice(at + 1)) };
  })
  .refine((v) => v.port > 0 && v.port <= 65535, 'port must be between 1 and 65535');

export const csvVar = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

export const identifierVar = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be letters, digits, dot, dash or underscore (at most 128)');

/**
 * A release id, `<version>-<short content hash>`: the form `platform deploy` names release folders
 * with and the load balancers read from the `release` meta (platform/consul rollout-record.ts
 * RELEASE_ID is the same pattern).
 */
export const RELEASE_ID_PATTERN = /^[0-9A-Za-z.+_]{1,40}-[0-9a-f]{7,16}$/;
export const releaseIdVar = z.string().regex(RELEASE_ID_PATTERN, 'must be a release id such as 0.1.0-3f9a2c1d7e4b');
