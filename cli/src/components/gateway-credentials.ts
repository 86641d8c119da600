import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlatformComponent, RunningComponent } from './component';

/**
 * A development API key for the local gateway, made once: the key itself in `dev-api-key` (mode
 * 600, for the developer's curl), only its SHA-256 in the keys file the gateway reads (the format
 * of services/gateway/src/auth/api-keys.ts), which the gateway pushes into the edge's map. Nothing prints the key.
 */
export const gatewayCredentialsComponent: PlatformComponent = {
  name: 'gateway',
  async start({ stateDir, env }): Promise<RunningComponent> {
    // A cloud node brings its operators' keys file; a development key is for the local platform only.
    if (env.GATEWAY_API_KEYS_FILE) {
      return { env: {}, pids: () => [], describe: () => [`API keys          from ${env.GATEWAY_API_KEYS_FILE}`], async stop() {} };
    }
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const keyFile = join(stateDir, 'dev-api-key');
    const keysFile = join(stateDir, 'api-keys.json');
    if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
    const sha256 = createHash('sha256').update(readFileSync(keyFile, 'utf8').trim()).digest('hex');
    writeFileSync(keysFile, JSON.stringify({ keys: [{ clientId: 'local-dev', sha256 }] }, null, 2), { mode: 0o600 });
    return {
      env: { GATEWAY_API_KEYS_FILE: keysFile },
      pids: () => [],
      describe: () => [`dev API key       X-API-Key: $(cat ${keyFile})`],
      async stop() {},
    };
  },
};
