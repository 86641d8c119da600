import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiKeyEntry } from '../auth/api-keys';
import type { RouteTable } from '../routing/route-table';

/** The edge's map files, by the names platform/haproxy/src/edge-maps.ts loads them under. */
export const MAP_FILES = { routes: 'routes.map', apiKeys: 'api-keys.map', limits: 'limits.map', jwt: 'jwt.map' } as const;
export type MapName = keyof typeof MAP_FILES;

/** One map's entries, key to value, in the order written. */
export type MapContent = readonly (readonly [string, string])[];

export interface JwtMapSettings {
  secret: string;
  issuer: string;
  audience: string;
  clockToleranceMs: number;
}

/**
 * What may be a map key or value: printable ASCII without `;` or `\` (the Runtime API splits
 * commands on `;` and unescapes `\`) or whitespace (the map file splits key from value on it).
 */
export const MAP_SAFE = /^[!-:<-[\]-~]{1,512}$/;

/** The gateway's own /docs goes to its instances, through the same edge. */
export const DOCS_ROUTE = ['/docs', 'gateway:public'] as const;

export function routesMap(table: RouteTable): MapContent {
  const entries: [string, string][] = [[...DOCS_ROUTE]];
  for (const route of table.routes.values()) entries.push([route.prefix, `${route.service}:${route.auth}`]);
  return entries;
}

export const apiKeysMap = (keys: readonly ApiKeyEntry[]): MapContent => keys.map((k) => [k.hash.toString('hex'), k.clientId] as const);

/** `@default` for every client without its own limit (JWT subjects, anonymous callers by address). */
export const limitsMap = (keys: readonly ApiKeyEntry[], defaultMax: number): MapContent => [
  ['@default', String(defaultMax)],
  ...keys.filter((k) => k.rateLimitMax !== undefined).map((k) => [k.clientId, String(k.rateLimitMax)] as const),
];

export const jwtMap = (jwt: JwtMapSettings | undefined): MapContent =>
  jwt
    ? [
        ['secret', jwt.secret],
        ['issuer', jwt.issuer],
        ['audience', jwt.audience],
        ['tolerance', String(Math.ceil(jwt.clockToleranceMs / 1000))],
      ]
    : [];

export const renderMap = (content: MapContent): string => content.map(([k, v]) => `${k} ${v}\n`).join('');

/**
 * Writes one map file (0600, replaced whole by a rename), which the edge loads at its next start or
 * reload; the running edge gets the same content through the Runtime API.
 */
export function writeMapFile(dir: string, name: MapName, content: MapContent): string {
  const file = join(dir, MAP_FILES[name]);
  // Every gateway instance writes the same files: each its own temporary, so a rename never moves another's half-written one.
  const next = `${file}.${process.pid}.next`;
  writeFileSync(next, renderMap(content), { mode: 0o600 });
  renameSync(next, file);
  return file;
}
