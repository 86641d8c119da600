import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { chownTree, type OsUser } from '@platform/process-runner';
import { join } from 'node:path';
import type { EdgeMaps } from './edge-request-rules';

/**
 * The map files the gateway's control plane keeps (services/gateway/src/edge/edge-maps.ts writes
 * them under the same names, then pushes the same content at run time). The edge loads them at
 * every start and reload; the folder is 0700 and the files 0600, as the key hashes and the JWT
 * secret are in them. Missing files start empty: no route, no key, until the control plane fills them.
 * With `owner` (the gateway's account, when started as root) the folder and files are its own.
 */
export function edgeMaps(dir: string, owner?: OsUser): EdgeMaps {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const maps: EdgeMaps = { routes: join(dir, 'routes.map'), apiKeys: join(dir, 'api-keys.map'), limits: join(dir, 'limits.map'), jwt: join(dir, 'jwt.map') };
  for (const file of Object.values(maps)) if (!existsSync(file)) writeFileSync(file, '', { mode: 0o600 });
  chownTree(dir, owner);
  return maps;
}
