import { drainPrefix, type ConsulClient, type ServicesSnapshot } from '@platform/service-kit';

/** Where controllers confirm that an instance is drained in their HAProxy; the kit waits on it. */
export const drainKey = (service: string, instanceId: string, controllerId: string): string => `${drainPrefix(service, instanceId)}${controllerId}`;

/**
 * Confirms, once per instance, every instance that Consul shows in maintenance (the kit's signal
 * for "shutting down"). Called only after HAProxy has applied the snapshot, so a confirmation
 * means this load balancer will not send that instance another request.
 */
export class DrainConfirmer {
  private readonly confirmed = new Set<string>();

  constructor(
    private readonly consul: ConsulClient,
    private readonly controllerId: string,
  ) {}

  async confirm(snapshot: ServicesSnapshot): Promise<string[]> {
    const draining = [...snapshot.services].flatMap(([service, instances]) => instances.filter((i) => i.health === 'maintenance' && !this.confirmed.has(i.id)).map((instance) => ({ service, instance })));
    const present = new Set([...snapshot.services.values()].flat().map((i) => i.id));
    for (const id of this.confirmed) if (!present.has(id)) this.confirmed.delete(id);
    await Promise.all(
      draining.map(async ({ service, instance }) => {
        await this.consul.kv.set(drainKey(service, instance.id, this.controllerId), JSON.stringify({ at: new Date().toISOString(), index: snapshot.index }));
        this.confirmed.add(instance.id);
      }),
    );
    return draining.map((d) => d.instance.id);
  }
}
