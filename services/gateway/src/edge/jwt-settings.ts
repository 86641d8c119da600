import { readFileSync } from 'node:fs';
import { StartupError } from '@platform/service-kit';
import { z } from 'zod';
import { loadJsonFile } from '../json-file';
import type { JwtMapSettings } from './edge-maps';
import { MAP_SAFE } from './edge-maps';

/** Issuer, audience and clock tolerance: from GATEWAY_JWT_SETTINGS_FILE, followed while running. */
export interface JwtClaimSettings {
  issuer: string;
  audience: string;
  clockToleranceMs: number;
}

/** Where the JWT settings come from: the secret and the claims each from its own file. */
export interface JwtSource {
  secretFile: string;
  settingsFile: string;
}

/** RFC 7518 asks for an HS256 key at least as long as the hash output. */
const MIN_SECRET_BYTES = 32;

const mapSafe = (name: string) => z.string().regex(MAP_SAFE, `${name} must be printable ASCII without spaces, ";" or "\\" (at most 512)`);

const settingsSchema = z
  .object({
    issuer: mapSafe('issuer'),
    audience: mapSafe('audience'),
    clockToleranceMs: z.number().int().min(0).max(300_000).default(5_000),
  })
  .strict();

function readSecret(secretFile: string): string {
  let secret: string;
  try {
    secret = readFileSync(secretFile, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new StartupError(`cannot read GATEWAY_JWT_SECRET_FILE ${secretFile}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new StartupError(`GATEWAY_JWT_SECRET_FILE must hold at least ${MIN_SECRET_BYTES} bytes`);
  if (!MAP_SAFE.test(secret)) throw new StartupError('GATEWAY_JWT_SECRET_FILE must hold printable ASCII without spaces, ";" or "\\" (for example base64url)');
  return secret;
}

const claimSettings = (source: JwtSource): JwtClaimSettings => loadJsonFile('GATEWAY_JWT_SETTINGS_FILE', source.settingsFile, settingsSchema, 'JWT settings file');

/**
 * The HS256 secret (from its own 0600 file, never the environment; a trailing newline is not part
 * of it) with the issuer, audience and tolerance, for the edge's jwt_verify and claim checks. The
 * edge's map carries printable ASCII without spaces, `;` or `\`, so anything else is refused
 * (generate the secret with base64url). Errors name the file and the rule, never the secret.
 */
export function readJwtSettings(source: JwtSource): JwtMapSettings {
  const secret = readSecret(source.secretFile);
  return { secret, ...claimSettings(source) };
}
