import { CLIENT_ID_PATTERN, newApiKey } from '../auth/api-keys';

/**
 * `node services/gateway/dist/tools/new-api-key.js <clientId>`: prints a new API key once, for the
 * client, and the entry to add to GATEWAY_API_KEYS_FILE, which holds only the key's SHA-256.
 */
const clientId = process.argv[2];
if (!clientId || !CLIENT_ID_PATTERN.test(clientId)) {
  process.stderr.write('usage: new-api-key <clientId>   (letters, digits or ._:@-, at most 128)\n');
  process.exit(2);
}
const { key, sha256 } = newApiKey();
process.stdout.write(`API key for ${clientId} (give it to the client; it is not stored anywhere):\n${key}\n\n`);
process.stdout.write(`entry for GATEWAY_API_KEYS_FILE ("keys" array):\n${JSON.stringify({ clientId, sha256 })}\n`);
