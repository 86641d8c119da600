import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { watchServices } from '@platform/service-kit';
import { scrapeTargets } from './scrape-targets';

export interface TargetsSyncOptions {
  consulAddr: string;
  /** The file_sd file Prometheus watches. */
  file: string;
  onError?(error: Error): void;
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
  // An empty list until Consul answers, so Prometheus starts with a file it can read.
  write('[]\n');
  return watchServices({
    httpAddr: options.consulAddr,
    onChange: (snapshot) => {
      try {
        write(`${JSON.stringify(scrapeTargets(snapshot), null, 1)}\n`);
      } catch (err) {
        options.onError?.(err instanceof Error ? err : new Error(String(err)));
      }
    },
    onError: options.onError,
  });
}
