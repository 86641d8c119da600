import type { Logger } from '../logging/logger';
import { describeConsulError, type ConsulClient } from './consul-client';

export interface InstanceRegistration {
  id: string;
  name: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  check: { interval: string; timeout: string; deregisterCriticalAfter: string };
}

/**
 * Keeps one instance registered with its local Consul agent: registers it, re-registers it when the
 * agent forgets it (an agent restarted with an empty data dir), puts it in maintenance when it
 * starts draining and deregisters it at the end.
 */
export class ConsulRegistration {
  private timer: NodeJS.Timeout | undefined;
  private agentReachable = true;
  private draining = false;

  constructor(
    private readonly consul: ConsulClient,
    private readonly instance: InstanceRegistration,
    private readonly logger: Logger,
  ) {}

  /**
   * `readyNow` is the instance's own readiness, evaluated just before: it sets the check's first
   * status so a ready instance is routable at once instead of after Consul's first check run.
   */
  async register(readyNow = false): Promise<void> {
    const { instance } = this;
    await this.consul.agent.service.register({
      id: instance.id,
      name: instance.name,
      address: instance.address,
      port: instance.port,
      tags: instance.tags,
      meta: instance.meta,
      check: {
        name: `${instance.name} ready`,
        http: `http://${hostForUrl(instance.address)}:${instance.port}/health/ready`,
        interval: instance.check.interval,
        timeout: instance.check.timeout,
        deregistercriticalserviceafter: instance.check.deregisterCriticalAfter,
        status: readyNow ? 'passing' : 'critical',
      },
    });
  }

  async isRegistered(): Promise<boolean> {
    const services = (await this.consul.agent.service.list()) as Record<string, unknown>;
    return Object.prototype.hasOwnProperty.call(services, this.instance.id);
  }

  /** Checks every `intervalMs` that the agent still knows this instance; registers it again if not. */
  keepRegistered(intervalMs: number): void {
    const tick = async (): Promise<void> => {
      try {
        if (!this.draining && !(await this.isRegistered())) {
          await this.register();
          this.logger.warn('consul agent had lost this instance; registered it again', { serviceId: this.instance.id });
        }
        if (!this.agentReachable) this.logger.info('consul agent reachable again', { serviceId: this.instance.id });
        this.agentReachable = true;
      } catch (err) {
        if (this.agentReachable) this.logger.warn('consul agent unreachable; will keep trying', { error: describeConsulError(err) });
        this.agentReachable = false;
      } finally {
        if (this.timer) this.timer = setTimeout(() => void tick(), intervalMs);
      }
    };
    this.timer = setTimeout(() => void tick(), intervalMs);
  }

  /** Takes the instance out of the passing set at once (maintenance makes its health critical). */
  async markDraining(reason: string): Promise<void> {
    this.draining = true;
    await this.consul.agent.service.maintenance({ id: this.instance.id, enable: true, reason });
  }

  async deregister(): Promise<void> {
    this.stop();
    await this.consul.agent.service.deregister(this.instance.id);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

const hostForUrl = (address: string): string => (address.includes(':') ? `[${address}]` : address);
