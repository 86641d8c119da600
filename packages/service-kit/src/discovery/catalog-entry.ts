import { isIP } from 'node:net';
import { SERVICE_NAME } from '@platform/process-runner';

export { SERVICE_NAME };

export type InstanceHealth = 'passing' | 'warning' | 'critical' | 'maintenance';

/** One instance as the catalog and its checks describe it, every field validated (see parseHealthEntry). */
export interface WatchedInstance {
  id: string;
  service: string;
  node: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  health: InstanceHealth;
}

/** One row of /v1/health/service/<name>, as Consul sends it: nothing in it is trusted yet. */
export interface HealthEntry {
  Node: { Node: string; Address: string };
  Service: { ID: string; Service: string; Address: string; Port: number; Tags: string[] | null; Meta: Record<string, string> | null; ModifyIndex?: number };
  Checks: { CheckID: string; Status: string; ServiceID?: string }[];
}

/**
 * Anyone who can register in Consul writes these strings, and they end up in haproxy.cfg, Runtime
 * API commands, Prometheus targets, routes and log lines. So each has a strict shape, narrower
 * than Consul's own rules: nothing with whitespace, quotes, `;`, `|`, `#`, `\` or control characters.
 */
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const TAG = /^[A-Za-z0-9._:=/@+-]{1,128}$/;
const META_KEY = /^[A-Za-z0-9_-]{1,64}$/;
const META_VALUE = /^[A-Za-z0-9._~:/=,+@-]{0,256}$/;
const URL_PATH = /^\/[A-Za-z0-9._~/-]{0,255}$/;

const isPort = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
const portText = (value: string): boolean => /^\d{1,5}$/.test(value) && isPort(Number(value));

/** Meta the platform reads has a shape of its own; anything else only has to fit META_VALUE. */
const META_SCHEMA: Record<string, (value: string) => boolean> = {
  'metrics-port': portText,
  'check-port': portText,
  'edge-peer-port': portText,
  'metrics-path': (v) => URL_PATH.test(v),
  'gateway-prefix': (v) => URL_PATH.test(v),
  'gateway-auth': (v) => /^[a-z-]{1,32}$/.test(v),
  protocol: (v) => /^[a-z][a-z0-9+.-]{0,31}$/.test(v),
};

export const isValidAddress = (address: string): boolean => isIP(address) !== 0 || HOSTNAME.test(address);

export function instanceHealth(checks: HealthEntry['Checks']): InstanceHealth {
  if (checks.some((c) => c.CheckID.startsWith('_service_maintenance') || c.CheckID === '_node_maintenance')) return 'maintenance';
  // An instance that no check of its own vouches for has never passed anything: it is not routed.
  if (!checks.some((c) => c.ServiceID)) return 'critical';
  if (checks.some((c) => c.Status !== 'passing' && c.Status !== 'warning')) return 'critical';
  return checks.some((c) => c.Status === 'warning') ? 'warning' : 'passing';
}

export type EntryVerdict = { ok: true; instance: WatchedInstance } | { ok: false; reason: string };

/** Why an entry cannot be used, or undefined when every field has its shape. */
function problemWith(entry: HealthEntry): string | undefined {
  const { Service: s, Node: n } = entry;
  if (typeof s.Service !== 'string' || !SERVICE_NAME.test(s.Service)) return 'service name is not [a-z0-9-] (at most 63 characters)';
  if (typeof s.ID !== 'string' || !INSTANCE_ID.test(s.ID)) return 'instance id has characters outside [A-Za-z0-9._:@-]';
  if (typeof n.Node !== 'string' || !NODE_NAME.test(n.Node)) return 'node name has characters outside [A-Za-z0-9._-]';
  const address = s.Address || n.Address;
  if (typeof address !== 'string' || !isValidAddress(address)) return 'address is neither an IP address nor a hostname';
  if (!isPort(s.Port)) return 'port is not between 1 and 65535';
  for (const tag of s.Tags ?? []) if (typeof tag !== 'string' || !TAG.test(tag)) return 'a tag has characters outside [A-Za-z0-9._:=/@+-]';
  for (const [key, value] of Object.entries(s.Meta ?? {})) {
    if (!META_KEY.test(key)) return 'a meta key has characters outside [A-Za-z0-9_-]';
    if (typeof value !== 'string' || !META_VALUE.test(value)) return `meta "${key}" has characters outside [A-Za-z0-9._~:/=,+@-]`;
    if (META_SCHEMA[key] && !META_SCHEMA[key](value)) return `meta "${key}" does not have the expected shape`;
  }
  return undefined;
}

/** Validates one catalog entry at the boundary: a usable instance, or why it is dropped. */
export function parseHealthEntry(entry: HealthEntry): EntryVerdict {
  const reason = problemWith(entry);
  if (reason) return { ok: false, reason };
  const { Service: s, Node: n } = entry;
  return {
    ok: true,
    instance: { id: s.ID, service: s.Service, node: n.Node, address: s.Address || n.Address, port: s.Port, tags: s.Tags ?? [], meta: s.Meta ?? {}, health: instanceHealth(entry.Checks) },
  };
}

/** A hostile string made safe to name in a log line: JSON-quoted and cut short. */
export const quoteForLog = (value: unknown): string => JSON.stringify(String(value)).slice(0, 100);
