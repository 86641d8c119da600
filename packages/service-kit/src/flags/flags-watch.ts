import { startBlockingQuery } from '../discovery/blocking-query';
import { consulErrorKind } from '../discovery/consul-http';
import type { Logger } from '../logging/logger';
import { OutageReport } from '../util/outage';
import type { FeatureFlags, KvEntry } from './feature-flags';
import { FLAGS_KV_ROOT } from './flag-value';

export interface FlagsWatchOptions {
  /** host:port of the Consul agent's HTTP API. */
  httpAddr: string;
  token?: string;
  flags: FeatureFlags;
  logger: Logger;
}

export interface FlagsWatch {
  /** Settles at the watch's first answer from Consul (the flags as they are at start). */
  readonly loaded: Promise<void>;
  stop(): void;
}

/**
 * The one Consul query an instance holds for its flags: a blocking query on the whole prefix, so a
 * change reaches the instance as soon as Consul commits it, and requests never wait on Consul.
 * While Consul cannot be read the instance keeps answering with the flags it last read.
 */
export function watchFlags(options: FlagsWatchOptions): FlagsWatch {
  let loadedNow: () => void = () => {};
  const loaded = new Promise<void>((resolve) => (loadedNow = resolve));
  const outage = new OutageReport({
    down: (error) => options.logger.warn('cannot read the feature flags from Consul; the flags last read stay', { error: error.message, kind: consulErrorKind(error) }),
    up: () => options.logger.info('feature flags read from Consul again'),
  });
  const query = startBlockingQuery<KvEntry[]>({
    httpAddr: options.httpAddr,
    token: options.token,
    path: `/v1/kv/${FLAGS_KV_ROOT}?recurse=true`,
    notFound: [],
    onResult(entries, index) {
      options.flags.apply(Array.isArray(entries) ? entries.filter(isKvEntry) : [], index);
      loadedNow();
    },
    onError: (error) => outage.failed(error),
    onRecovered: () => outage.succeeded(),
  });
  return { loaded, stop: () => query.stop() };
}

const isKvEntry = (e: unknown): e is KvEntry => {
  const r = e as Partial<Record<keyof KvEntry, unknown>> | null;
  return typeof r === 'object' && r !== null && typeof r.Key === 'string' && typeof r.ModifyIndex === 'number' && (r.Value === null || typeof r.Value === 'string');
};
