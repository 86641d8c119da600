import { PlatformError, sleep, waitFor } from '@platform/process-runner';
import { tokenSpec, type TokenContext, type TokenSpec } from './acl-rules';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Consul token SecretIDs are UUIDs; anything else in a token file is a misplaced file. */
export const isTokenSecret = (value: string): boolean => UUID.test(value);

/**
 * How long an ensure keeps trying through the 5xx answers and refused connections of Consul servers
 * electing their leader. Three new servers minting at once on a busy machine got "leadership lost
 * while committing log", "Failed to retrieve token after insertion" and "rpc error getting client"
 * within a second of their first election, and all three stopped (CI). Every ensure is idempotent,
 * so it simply runs again.
 */
export const ELECTION_GRACE_MS = 60_000;
const ELECTION_RETRY_EVERY_MS = 500;

/**
 * A Consul 5xx (the error says so), a refused connection or a timeout: worth another try. Read by
 * shape, not `instanceof Error`: fetch's errors may come from another realm (a test's VM context).
 */
function transient(err: unknown): boolean {
  if (err instanceof PlatformError) return err.retryable;
  const { name, message } = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; message?: unknown };
  return name === 'TimeoutError' || message === 'fetch failed';
}

interface PolicyView {
  ID: string;
  Rules: string;
}

/**
 * Creates the platform's policies and tokens with the management token, "ensure" style: a token
 * is created with the SecretID it is given (the platform or terraform generated it beforehand),
 * and one that exists already is brought to its spec, so every restart and every consul server
 * may run this. Secrets travel only in the X-Consul-Token header and request bodies.
 */
export class ConsulAcl {
  constructor(
    private readonly httpAddr: string,
    private readonly managementToken: string,
  ) {}

  private async call(method: string, path: string, body?: unknown, token = this.managementToken): Promise<Response> {
    return fetch(`http://${this.httpAddr}${path}`, {
      method,
      headers: { 'X-Consul-Token': token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
  }

  private async ok<T>(res: Response, what: string): Promise<T> {
    // Consul's error bodies name the problem, never a secret.
    if (!res.ok) throw new PlatformError('PLATFORM_CONSUL_ACL_FAILED', `${what}: Consul answered ${res.status} ${(await res.text()).trim().slice(0, 200)}`, { retryable: res.status >= 500 });
    return (await res.json()) as T;
  }

  /** Resolves once the ACL system answers the management token (the leader sets it up after election). */
  async ready(timeoutMs = 30_000): Promise<void> {
    await waitFor(async () => (await this.call('GET', '/v1/acl/token/self').catch(() => undefined))?.ok === true, {
      timeoutMs,
      intervalMs: 200,
      what: `Consul's ACL system at ${this.httpAddr} to accept the management token`,
    });
  }

  /** `raced`: another server created it a moment ago; look once more, then give up. */
  async ensurePolicy(name: string, rules: string, raced = false): Promise<string> {
    const found = await this.call('GET', `/v1/acl/policy/name/${encodeURIComponent(name)}`);
    if (found.ok) {
      const policy = (await found.json()) as PolicyView;
      if (policy.Rules !== rules) await this.ok(await this.call('PUT', `/v1/acl/policy/${policy.ID}`, { Name: name, Rules: rules }), `updating policy ${name}`);
      return policy.ID;
    }
    const created = await this.call('PUT', '/v1/acl/policy', { Name: name, Rules: rules });
    // Another server created it between the two calls.
    if (!created.ok && !raced && /already exists/i.test(await created.clone().text())) return this.ensurePolicy(name, rules, true);
    return (await this.ok<PolicyView>(created, `creating policy ${name}`)).ID;
  }

  /** Makes `secretId` a token with exactly what `spec` grants. */
  async ensureToken(secretId: string, spec: TokenSpec, raced = false): Promise<void> {
    if (!isTokenSecret(secretId)) throw new PlatformError('PLATFORM_CONSUL_ACL_FAILED', `a token for "${spec.description}" is not a UUID`);
    const body = {
      Description: spec.description,
      Policies: spec.policy ? [{ ID: await this.ensurePolicy(spec.policy.name, spec.policy.rules) }] : [],
      ServiceIdentities: spec.serviceIdentities.map((ServiceName) => ({ ServiceName })),
      NodeIdentities: spec.nodeIdentities,
    };
    const self = await this.call('GET', '/v1/acl/token/self', undefined, secretId);
    if (self.ok) {
      const { AccessorID } = (await self.json()) as { AccessorID: string };
      await this.ok(await this.call('PUT', `/v1/acl/token/${AccessorID}`, { ...body, SecretID: secretId }), `updating token "${spec.description}"`);
      return;
    }
    const created = await this.call('PUT', '/v1/acl/token', { ...body, SecretID: secretId });
    if (!created.ok && !raced && /already in use|already exists/i.test(await created.clone().text())) return this.ensureToken(secretId, spec, true);
    await this.ok(created, `creating token "${spec.description}"`);
  }

  /**
   * Deletes the token whose SecretID is `secretId` (found by it, deleted by its AccessorID), then
   * its own policy when `policyName` is given. A token Consul does not know is revoked already:
   * false. Nothing else loses a right (a policy is a token's own, never shared).
   */
  async revokeToken(secretId: string, policyName?: string): Promise<boolean> {
    const self = await this.call('GET', '/v1/acl/token/self', undefined, secretId);
    let revoked = false;
    if (self.ok) {
      const { AccessorID } = (await self.json()) as { AccessorID: string };
      await this.ok(await this.call('DELETE', `/v1/acl/token/${encodeURIComponent(AccessorID)}`), 'revoking a token');
      revoked = true;
    } else if (self.status !== 403 && self.status !== 404) {
      await this.ok(self, 'looking up a token to revoke');
    }
    if (policyName) {
      const policy = await this.call('GET', `/v1/acl/policy/name/${encodeURIComponent(policyName)}`);
      if (policy.ok) await this.ok(await this.call('DELETE', `/v1/acl/policy/${encodeURIComponent(((await policy.json()) as PolicyView).ID)}`), `deleting policy ${policyName}`);
    }
    return revoked;
  }

  /** Revokes the platform token `name` (see acl-rules.ts) and its own policy. */
  revokeNamedToken(name: string, secretId: string, context: TokenContext): Promise<boolean> {
    return this.throughElections(() => this.revokeToken(secretId, tokenSpec(name, context).policy?.name));
  }

  /** The platform token `name` (see acl-rules.ts) with SecretID `secretId`. */
  ensureNamedToken(name: string, secretId: string, context: TokenContext): Promise<void> {
    return this.throughElections(() => this.ensureToken(secretId, tokenSpec(name, context)));
  }

  /** Runs `work` again while it fails transiently, for up to ELECTION_GRACE_MS; any other failure at once. */
  private async throughElections<T>(work: () => Promise<T>, graceMs = ELECTION_GRACE_MS): Promise<T> {
    const deadline = Date.now() + graceMs;
    for (;;) {
      try {
        return await work();
      } catch (err) {
        if (!transient(err) || Date.now() >= deadline) throw err;
        await sleep(ELECTION_RETRY_EVERY_MS);
      }
    }
  }
}
