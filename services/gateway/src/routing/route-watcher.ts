import { OutageReport, consulErrorKind, quoteForLog, watchServices, type Logger } from '@platform/service-kit';
import type { RouteGrants } from './route-grants';
import { buildRouteTable, emptyRouteTable, type Route, type RouteTable } from './route-table';

export interface RouteWatcher {
  current(): RouteTable;
  stop(): void;
}

const describe = (r: Route): string => `${r.prefix} -> ${r.service} (auth ${r.auth}${r.available ? '' : ', unavailable'})`;

/**
 * Keeps the routing table in step with Consul through the kit's blocking-query watch: no central
 * route file, a service's own registration is the only source. While Consul is unreachable the
 * watch emits nothing, so the edges keep routing on the last table they were given.
 */
export function watchRoutes(options: { consulAddr: string; consulToken?: string; selfName: string; logger: Logger; grants: RouteGrants; onTable(table: RouteTable): void }): RouteWatcher {
  const { logger } = options;
  let table = emptyRouteTable();
  let reported = new Set<string>();
  const outage = new OutageReport({
    down: (error) =>
      consulErrorKind(error) === 'refused'
        ? logger.warn('consul refused the catalog watch; backing off, routing on the last known table', { error: error.message })
        : logger.warn('consul watch failed; routing on the last known table', { error: error.message }),
    up: () => logger.info('consul watch recovered'),
  });

  const watch = watchServices({
    httpAddr: options.consulAddr,
    token: options.consulToken,
    include: (name) => name !== 'consul' && name !== options.selfName,
    onChange(snapshot) {
      const next = buildRouteTable(snapshot, table, options.selfName, options.grants);
      logChanges(logger, table, next, snapshot.index);
      // Each ignored declaration is reported once, not on every change of an unrelated service.
      const rejected = new Set(next.rejected);
      for (const reason of rejected) if (!reported.has(reason)) logger.warn('route declaration ignored', { reason, consulIndex: snapshot.index });
      reported = rejected;
      table = next;
      options.onTable(table);
    },
    onRejected(entry) {
      logger.warn('catalog entry ignored: it is never routed', { service: quoteForLog(entry.service), instanceId: quoteForLog(entry.instanceId), node: quoteForLog(entry.node), reason: entry.reason });
    },
    onError: (error) => outage.failed(error),
    onRecovered: () => outage.succeeded(),
  });

  return { current: () => table, stop: () => watch.stop() };
}

function logChanges(logger: Logger, before: RouteTable, after: RouteTable, consulIndex: string): void {
  for (const [prefix, route] of after.routes) {
    const old = before.routes.get(prefix);
    if (!old) logger.info('route added', { route: describe(route), consulIndex });
    else if (describe(old) !== describe(route)) logger.info('route changed', { from: describe(old), to: describe(route), consulIndex });
  }
  for (const [prefix, route] of before.routes) {
    if (!after.routes.has(prefix)) logger.info('route removed', { route: describe(route), consulIndex });
  }
}
