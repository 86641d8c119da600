import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { OutageReport, watchServices, type RejectedEntry } from '@platform/service-kit';
import { scrapeTargets } from './scrape-targets';

export interface TargetsSyncOptions {
  consulAddr: string;
  /** A read-only ACL token (the platform's `monitoring` token). */
  consulToken?: string;
  /** The file_sd file Prometheus watches. */
  file: string;
  /** Told once per outage of Consul (or of the file), not at every failed query. */
  onError?(error: Error): void;
  onRecovered?(): void;
  /** A catalog entry left out of the targets (its strings are unsafe): told once per entry. */
  onRejected?(entry: RejectedEntry): void;
}

/**
 * Keeps Prometheus's target file equal to the Consul catalog, with the blocking-query watch the
 * load-balancer controllers use: Debian's Prometheus is built without Consul discovery, and file
 * discovery picks a change up as soon as the file is renamed into place. While Consul is
 * unreachable the last file stays, so the last known instances are still scraped.
 */
export function syncScrapeTargets(options: TargetsSyncOptions): { stop(): void } {
  mkdirSync(dirname(options.file), { recursive: true });
  let written: string | undefined;
  const write = (content: string): void => {
    if (content === written) return;
    const tmp = `${options.file}.tmp`;
    writeFileSync(tmp, content);
    renameSync(tmp, options.file);
    written = content;
  };
  const outage = new OutageReport({ down: (error) => options.onError?.(error), up: () => options.onRecovered?.() });
  // An empty list until Consul answers, so Prometheus starts with a file it can read.
  write('[]\n');
  return watchServices({
    httpAddr: options.consulAddr,
    token: options.consulToken,
    onRejected: options.onRejected,
    onChange: (snapshot) => {
      try {
        write(`${JSON.stringify(scrapeTargets(snapshot), null, 1)}\n`);
      } catch (err) {
        outage.failed(err);
        return;
      }
      outage.succeeded();
    },
    onError: (err) => outage.failed(err),
    onRecovered: () => outage.succeeded(),
  });
}
