import { unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '@platform/service-kit';
import { loadApiKeys, type ApiKeyEntry } from '../auth/api-keys';
import type { RouteTable } from '../routing/route-table';
import { apiKeysMap, jwtMap, limitsMap, routesMap, type JwtMapSettings } from './edge-maps';
import { EdgeSync } from './edge-sync';

export interface ControlPlaneOptions {
  /** Unset: there is no edge to feed, and nothing is written or pushed. */
  mapsDir?: string;
  sockets: readonly string[];
  apiKeysFile?: string;
  jwt?: JwtMapSettings;
  defaultLimit: number;
  logger: Logger;
}

const NO_EDGE: Pick<EdgeSync, 'set' | 'settled' | 'stop'> = { set: () => undefined, settled: async () => undefined, stop: () => undefined };

/** How often the API key file is looked at; a change reaches the edges well within a second. */
const KEY_FILE_POLL_MS = 250;

/**
 * The gateway as the edge's control plane: routes (from the route watcher), API key hashes and
 * per-client limits (from the key file, followed while running), and the JWT settings, pushed into
 * the edges' maps. A key file that turns invalid is logged and the edges keep the last good keys.
 */
export function startControlPlane(options: ControlPlaneOptions): { routesChanged(table: RouteTable): void; settled(): Promise<void>; stop(): void } {
  const { logger } = options;
  const edges = options.mapsDir ? new EdgeSync({ mapsDir: options.mapsDir, sockets: options.sockets, logger }) : NO_EDGE;
  const applyKeys = (keys: readonly ApiKeyEntry[]): void => {
    edges.set('apiKeys', apiKeysMap(keys));
    edges.set('limits', limitsMap(keys, options.defaultLimit));
  };
  const keysFile = options.apiKeysFile;
  applyKeys(keysFile ? loadApiKeys(keysFile) : []);
  edges.set('jwt', jwtMap(options.jwt));
  if (!keysFile && !options.jwt) logger.warn('no API keys and no JWT secret configured: every route that requires authentication answers 401');
  if (keysFile) {
    watchFile(keysFile, { interval: KEY_FILE_POLL_MS }, () => {
      try {
        const keys = loadApiKeys(keysFile);
        applyKeys(keys);
        logger.info('API keys reloaded', { file: keysFile, clients: keys.length });
      } catch (err) {
        logger.error('API key file is invalid; the edges keep the last good keys', { file: keysFile, error: err instanceof Error ? err.message : String(err) });
      }
    });
  }
  return {
    routesChanged: (table) => edges.set('routes', routesMap(table)),
    settled: () => edges.settled(),
    stop: () => {
      if (keysFile) unwatchFile(keysFile);
      edges.stop();
    },
  };
}
