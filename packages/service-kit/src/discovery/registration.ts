import type { Logger } from '../logging/logger';
import { describeConsulError, type ConsulClient } from './consul-client';

export interface InstanceRegistration {
  id: string;
  name: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  check: { interval: string; timeout: string; deregisterCriticalAfter: string; failuresBeforeCritical?: number };
  /** Where Consul's check calls when that is not `port` and /health/ready (see RegistrationOverrides). */
  checkPort?: number;
  checkPath?: string;
  /** Tags observed at run time, added to `tags`; a change makes the instance register again. */
  dynamicTags?: () => string[];
}

/**
 * For an instance that fronts something callers reach on another protocol (a database server's
 * role checker): the port registered is theirs, while Consul's check still calls this instance's
 * HTTP server. Returned by a service's setup, so values known only then can be used.
 */
export interface RegistrationOverrides {
  /** The port callers connect to; defaults to the instance's HTTP port. */
  port?: number;
  /** Meta added to (and winning over) the definition's. */
  meta?: Record<string, string>;
  /** HTTP path of Consul's check; defaults to /health/ready. */
  checkPath?: string;
  /**
   * Failed checks in a row before Consul calls the instance critical (default 1). For an instance
   * whose critical state makes a load balancer cut live sessions, one check that timed out on a
   * busy machine must not do that.
   */
  failuresBeforeCritical?: number;
  /** Re-evaluated every REREGISTER_INTERVAL_MS; the instance registers again when they change. */
  dynamicTags?: () => string[];
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
  private registeredTags = '';

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
    const tags = this.currentTags();
    await this.consul.agent.service.register({
      id: instance.id,
      name: instance.name,
      address: instance.address,
      port: instance.port,
      tags,
      meta: instance.meta,
      check: {
        name: `${instance.name} ready`,
        http: `http://${hostForUrl(instance.address)}:${instance.checkPort ?? instance.port}${instance.checkPath ?? '/health/ready'}`,
        interval: instance.check.interval,
        timeout: instance.check.timeout,
        deregistercriticalserviceafter: instance.check.deregisterCriticalAfter,
        ...(instance.check.failuresBeforeCritical ? { failuresbeforecritical: instance.check.failuresBeforeCritical } : {}),
        status: readyNow ? 'passing' : 'critical',
      },
    });
    this.registeredTags = tags.join(',');
    // An instance id is reused (slot numbers): a predecessor that died while draining (kill -9, a
    // crash in its shutdown) left its maintenance check on the agent, which outlives a registration
    // under the same id and kept the newcomer critical forever (a rolling deploy timed out on it).
    if (!this.draining) await this.consul.agent.service.maintenance({ id: instance.id, enable: false });
  }

  private currentTags(): string[] {
    return [...this.instance.tags, ...(this.instance.dynamicTags?.() ?? [])];
  }

  async isRegistered(): Promise<boolean> {
    const services = (await this.consul.agent.service.list()) as Record<string, unknown>;
    return Object.prototype.hasOwnProperty.call(services, this.instance.id);
  }

  /**
   * Checks every `intervalMs` that the agent still knows this instance and registers it again if
   * not, or if its dynamic tags changed (then with `readyNow`, so its check does not flap).
   */
  keepRegistered(intervalMs: number, readyNow: () => Promise<boolean> = async () => false): void {
    const tick = async (): Promise<void> => {
      try {
        if (!this.draining && !(await this.isRegistered())) {
          await this.register();
          this.logger.warn('consul agent had lost this instance; registered it again', { serviceId: this.instance.id });
        } else if (!this.draining && this.currentTags().join(',') !== this.registeredTags) {
          const from = this.registeredTags;
          await this.register(await readyNow());
          this.logger.info('tags changed; registered again', { serviceId: this.instance.id, from, to: this.registeredTags });
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
