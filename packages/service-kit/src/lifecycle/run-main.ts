import type { z } from 'zod';
import { CodedError } from '@platform/process-runner';
import { startService, type RunningService, type ServiceDefinition } from './service';

/** What a failed start prints: the platform's coded errors as their message alone, anything else with its stack. */
export function describeStartFailure(name: string, err: unknown): string {
  if (err instanceof CodedError) return `${name}: failed to start [${err.code}]: ${err.message}\n`;
  if (err instanceof Error) return `${name}: failed to start: ${err.message}\n${err.stack ?? ''}\n`;
  return `${name}: failed to start: ${String(err)}\n`;
}

/**
 * The whole of a service's main.ts: start, stop gracefully on SIGTERM/SIGINT (a second signal
 * exits at once), exit non-zero when start fails or shutdown overruns.
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
