import { readFileSync } from 'node:fs';
import { StartupError } from '@platform/service-kit';
import { createVerifier, TOKEN_ERROR_CODES } from 'fast-jwt';
import { CLIENT_ID_PATTERN } from './api-keys';

export interface JwtSettings {
  secretFile: string;
  issuer: string;
  audience: string;
  clockToleranceMs: number;
}

/** What a valid token says about its bearer; `sub` is the client id for limits and upstreams. */
export interface JwtIdentity {
  clientId: string;
}

export type JwtCheck = { ok: true; identity: JwtIdentity } | { ok: false; reason: string };

/** RFC 7518 asks for an HS256 key at least as long as the hash output. */
const MIN_SECRET_BYTES = 32;

/** Reasons a caller may be told; the verifier's own messages stay out of responses. */
const REASONS: Partial<Record<string, string>> = {
  [TOKEN_ERROR_CODES.expired]: 'the token has expired',
  [TOKEN_ERROR_CODES.inactive]: 'the token is not valid yet',
  [TOKEN_ERROR_CODES.invalidSignature]: 'the token signature does not match',
  [TOKEN_ERROR_CODES.invalidAlgorithm]: 'the token must be signed with HS256',
  [TOKEN_ERROR_CODES.missingRequiredClaim]: 'the token lacks a required claim (exp, sub, iss, aud)',
  [TOKEN_ERROR_CODES.invalidClaimValue]: 'the token is for another issuer or audience',
};

/**
 * HS256 with a shared secret read once from a file, so the secret is never in the environment or a
 * process listing. Only HS256 is accepted (no `none`, no algorithm confusion); exp, sub, iss and aud
 * are required, nbf is checked when present, with a small tolerance for clock skew.
 */
export function createJwtCheck(settings: JwtSettings): (token: string) => JwtCheck {
  let secret: Buffer;
  try {
    secret = readFileSync(settings.secretFile);
  } catch (err) {
    throw new StartupError(`cannot read GATEWAY_JWT_SECRET_FILE ${settings.secretFile}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // A trailing newline from `echo` or an editor is not part of the secret.
  secret = Buffer.from(secret.toString('utf8').replace(/\r?\n$/, ''), 'utf8');
  if (secret.length < MIN_SECRET_BYTES) throw new StartupError(`GATEWAY_JWT_SECRET_FILE must hold at least ${MIN_SECRET_BYTES} bytes`);

  const verify = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    allowedIss: settings.issuer,
    allowedAud: settings.audience,
    requiredClaims: ['exp', 'sub', 'iss', 'aud'],
    clockTolerance: settings.clockToleranceMs,
  });

  return (token) => {
    let payload: unknown;
    try {
      payload = verify(token);
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? '');
      return { ok: false, reason: REASONS[code] ?? 'the token is malformed or invalid' };
    }
    const sub = (payload as { sub?: unknown }).sub;
    if (typeof sub !== 'string' || !CLIENT_ID_PATTERN.test(sub)) return { ok: false, reason: 'the token subject is not a valid client id' };
    return { ok: true, identity: { clientId: sub } };
  };
}
