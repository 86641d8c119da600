import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformBin, startUntilReady, type ExitStatus } from '@platform/process-runner';
import { renderJaegerConfig, type JaegerConfigOptions } from './jaeger-config';

export interface JaegerOptions extends JaegerConfigOptions {
  /** Holds jaeger.yaml and jaeger.log. */
  stateDir: string;
  binary?: string;
  startTimeoutMs?: number;
}

export interface Jaeger {
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  /** Where instances send spans: TRACING_OTLP_URL. */
  readonly otlpUrl: string;
  /** The query API and page. */
  readonly queryUrl: string;
  stop(graceMs?: number): Promise<ExitStatus>;
}

/** Starts Jaeger (built by platform/jaeger/install.sh); ready once its query API answers. */
export async function startJaeger(options: JaegerOptions): Promise<Jaeger> {
  mkdirSync(options.stateDir, { recursive: true });
  const configFile = join(options.stateDir, 'jaeger.yaml');
  writeFileSync(configFile, renderJaegerConfig(options), { mode: 0o644 });
  const queryUrl = `http://127.0.0.1:${options.queryPort}`;
  const child = await startUntilReady(options.binary ?? platformBin('jaeger'), ['--config', configFile], {
    // Go's memory limit keeps the collector modest on a small node (its heap stays well under it).
    env: { PATH: process.env.PATH, GOMEMLIMIT: '256MiB' },
    outputFile: join(options.stateDir, 'jaeger.log'),
    detached: true,
    what: `jaeger at ${queryUrl}`,
    ready: async () => (await fetch(`${queryUrl}/api/services`)).ok,
    timeoutMs: options.startTimeoutMs ?? 30_000,
    stopOnFailure: (c) => c.stop(2_000),
  });
  return { pid: child.pid, exited: child.exited, otlpUrl: `http://${options.otlpHost ?? '127.0.0.1'}:${options.otlpHttpPort}`, queryUrl, stop: (graceMs = 10_000) => child.stop(graceMs) };
}
