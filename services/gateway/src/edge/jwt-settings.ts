import { readFileSync } from 'node:fs';
import { StartupError } from '@platform/service-kit';
import type { JwtMapSettings } from './edge-maps';
import { MAP_SAFE } from './edge-maps';

export interface JwtFileSettings {
  secretFile: string;
  issuer: string;
  audience: string;
  clockToleranceMs: number;
}

/** RFC 7518 asks for an HS256 key at least as long as the hash output. */
const MIN_SECRET_BYTES = 32;

/**
 * The HS256 secret read once from its file (never the environment), for the edge's jwt_verify. A
 * trailing newline is not part of it. The edge's map carries printable ASCII without spaces, `;`
 * or `\`, so a secret outside that is refused at start (generate one with base64url).
 */
export function readJwtSettings(settings: JwtFileSettings): JwtMapSettings {
  let secret: string;
  try {
    secret = readFileSync(settings.secretFile, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new StartupError(`cannot read GATEWAY_JWT_SECRET_FILE ${settings.secretFile}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new StartupError(`GATEWAY_JWT_SECRET_FILE must hold at least ${MIN_SECRET_BYTES} bytes`);
  if (!MAP_SAFE.test(secret)) throw new StartupError('GATEWAY_JWT_SECRET_FILE must hold printable ASCII without spaces, ";" or "\\" (for example base64url)');
  for (const [name, value] of [['GATEWAY_JWT_ISSUER', settings.issuer], ['GATEWAY_JWT_AUDIENCE', settings.audience]] as const) {
    if (!MAP_SAFE.test(value)) throw new StartupError(`${name} must be printable ASCII without spaces, ";" or "\\"`);
  }
  return { secret, issuer: settings.issuer, audience: settings.audience, clockToleranceMs: settings.clockToleranceMs };
}
