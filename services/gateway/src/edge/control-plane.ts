import type { Logger } from '@platform/service-kit';
import { loadApiKeys, type ApiKeyEntry } from '../auth/api-keys';
import type { RouteTable } from '../routing/route-table';
import { apiKeysMap, jwtMap, limitsMap, routesMap } from './edge-maps';
import { EdgeSync } from './edge-sync';
import { followFiles } from './follow-files';
import { readJwtSettings, type JwtSource } from './jwt-settings';

export interface ControlPlaneOptions {
  /** Unset: there is no edge to feed, and nothing is written or pushed. */
  mapsDir?: string;
  sockets: readonly string[];
  apiKeysFile?: string;
  /** Unset: JWT authentication is off (the edge's JWT map stays empty). */
  jwt?: JwtSource;
  defaultLimit: number;
  logger: Logger;
}

const NO_EDGE: Pick<EdgeSync, 'set' | 'settled' | 'stop'> = { set: () => undefined, settled: async () => undefined, stop: () => undefined };

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The gateway as the edge's control plane: routes (from the route watcher), API key hashes and
 * per-client limits (from the key file), and the JWT settings (the secret file and the settings
 * file), pushed into the edges' maps. The files are followed while running: a change reaches the
 * edges' maps without a restart here or a reload there (jwt_verify takes its key from the map).
 * A file that turns invalid is logged (never a secret) and the edges keep the last good content.
 */
export function startControlPlane(options: ControlPlaneOptions): { routesChanged(table: RouteTable): void; settled(): Promise<void>; stop(): void } {
  const { logger, jwt } = options;
  const edges = options.mapsDir ? new EdgeSync({ mapsDir: options.mapsDir, sockets: options.sockets, logger }) : NO_EDGE;
  const applyKeys = (keys: readonly ApiKeyEntry[]): void => {
    edges.set('apiKeys', apiKeysMap(keys));
    edges.set('limits', limitsMap(keys, options.defaultLimit));
  };
  const keysFile = options.apiKeysFile;
  applyKeys(keysFile ? loadApiKeys(keysFile) : []);
  edges.set('jwt', jwtMap(jwt ? readJwtSettings(jwt) : undefined));
  if (!keysFile && !jwt) logger.warn('no API keys and no JWT secret configured: every route that requires authentication answers 401');
  const followed = [
    keysFile &&
      followFiles([keysFile], () => {
        try {
          const keys = loadApiKeys(keysFile);
          applyKeys(keys);
          logger.info('API keys reloaded', { file: keysFile, clients: keys.length });
        } catch (err) {
          logger.error('API key file is invalid; the edges keep the last good keys', { file: keysFile, error: message(err) });
        }
      }),
    jwt &&
      followFiles([jwt.secretFile, jwt.settingsFile], () => {
        try {
          const settings = readJwtSettings(jwt);
          edges.set('jwt', jwtMap(settings));
          logger.info('JWT settings reloaded', { issuer: settings.issuer, audience: settings.audience, clockToleranceMs: settings.clockToleranceMs });
        } catch (err) {
          logger.error('JWT settings are invalid; the edges keep the last good ones', { error: message(err) });
        }
      }),
  ];
  return {
    routesChanged: (table) => edges.set('routes', routesMap(table)),
    settled: () => edges.settled(),
    stop: () => {
      for (const watch of followed) if (watch) watch.stop();
      edges.stop();
    },
  };
}
