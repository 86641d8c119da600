import { Gauge, type Registry } from 'prom-client';
import { PatroniRest } from '../patroni/rest';

/**
 * postgres_synchronous_mode{scope}: 1 while the cluster's synchronous_mode (Patroni's dynamic
 * configuration in Consul) is on, 0 while off. Patroni's own /metrics says which member is the
 * synchronous standby (patroni_sync_standby) but not whether one is wanted; the alert
 * PostgresSyncStandbyMissing needs both. Read at scrape time from this server's Patroni, so the
 * value is never older than the scrape; no sample when Patroni does not answer.
 */
export function registerSynchronousModeGauge(registry: Registry, patroniUrl: string): Gauge<'scope'> {
  const rest = new PatroniRest(patroniUrl);
  return new Gauge({
    name: 'postgres_synchronous_mode',
    help: "1 while Patroni's synchronous_mode is on for the cluster (scope), 0 while off",
    labelNames: ['scope'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const [status, config] = await Promise.all([rest.status(), rest.config()]);
        const scope = status.patroni?.scope;
        if (scope) this.set({ scope }, config.synchronous_mode === true ? 1 : 0);
      } catch {
        // Patroni restarting or busy: better no sample than a wrong one.
      }
    },
  });
}
