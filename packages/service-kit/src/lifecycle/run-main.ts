import type { z } from 'zod';
import { CodedError } from '@platform/process-runner';
import { closeLogger } from '../logging/logger';
import { startService, type RunningService, type ServiceDefinition } from './service';

/** What a failed start prints: the platform's coded errors as their message alone, anything else with its stack. */
export function describeStartFailure(name: string, err: unknown): string {
  if (err instanceof CodedError) return `${name}: failed to start [${err.code}]: ${err.message}\n`;
  if (err instanceof Error) return `${name}: failed to start: ${err.message}\n${err.stack ?? ''}\n`;
  return `${name}: failed to start: ${String(err)}\n`;
}

/**
 * The whole of a service's main.ts: start, stop gracefully on SIGTERM/SIGINT (a second signal
 * exits at once), exit non-zero when start fails or shutdown overruns, or after logging an
 * exception nobody caught.
 */
export function runMain<Extra extends z.ZodRawShape>(definition: ServiceDefinition<Extra>): void {
  let service: RunningService | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1 || !service) process.exit(signals > 1 ? 1 : 0);
    const timeoutMs = Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 30_000);
    setTimeout(() => {
      process.stderr.write(`${definition.name}: shutdown took longer than ${timeoutMs} ms; exiting\n`);
      process.exit(1);
    }, timeoutMs).unref();
    service.stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`${definition.name}: shutdown failed: ${err instanceof Error ? err.stack : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // An exception nobody caught (or a rejection nobody handled) still ends the instance, as Node
  // would; first it is logged like every other error, so it is searchable and grouped
  // (error.fingerprint), not only a trace in the .stdio.log.
  let dying = false;
  process.on('uncaughtException', (err: unknown, origin: string) => {
    if (dying) return;
    dying = true;
    process.stderr.write(`${definition.name}: ${origin}: ${err instanceof Error ? err.stack : String(err)}\n`);
    const logger = service?.logger;
    if (!logger) process.exit(1);
    logger.error(`${origin}; the instance exits`, { err: err instanceof Error ? err : new Error(String(err)) });
    void closeLogger(logger).finally(() => process.exit(1));
  });

  startService(definition).then(
    (started) => {
      service = started;
    },
    (err: unknown) => {
      process.stderr.write(describeStartFailure(definition.name, err));
      process.exit(1);
    },
  );
}
