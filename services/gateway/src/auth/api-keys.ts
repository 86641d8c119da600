import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CLIENT_ID_PATTERN } from '@platform/service-kit';
import { loadJsonFile } from '../json-file';

/**
 * API keys are 32 random bytes, so a plain SHA-256 of the key is a safe way to keep them at rest:
 * nothing short of guessing 256 random bits finds a key from its hash, and a slow password hash
 * (scrypt) would only spend CPU on every request, which a flood could exploit.
 */
export interface ApiKeyEntry {
  clientId: string;
  hash: Buffer;
  /** This client's own requests per window, instead of GATEWAY_RATE_LIMIT_MAX. */
  rateLimitMax?: number;
}

export { CLIENT_ID_PATTERN };

const fileSchema = z.object({
  keys: z.array(
    z.object({
      clientId: z.string().regex(CLIENT_ID_PATTERN, 'must be letters, digits or ._:@- (at most 128)'),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the key (64 lowercase hex digits)'),
      rateLimitMax: z.number().int().positive().optional(),
    }),
  ),
});

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A new key (base64url of 32 random bytes) and the hash to store for it. */
export function newApiKey(): { key: string; sha256: string } {
  const key = randomBytes(32).toString('base64url');
  return { key, sha256: hashApiKey(key) };
}

export function loadApiKeys(file: string): ApiKeyEntry[] {
  const { keys } = loadJsonFile('GATEWAY_API_KEYS_FILE', file, fileSchema, 'key file');
  return keys.map((k) => ({ clientId: k.clientId, hash: Buffer.from(k.sha256, 'hex'), rateLimitMax: k.rateLimitMax }));
}
