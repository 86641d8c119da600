import { join } from 'node:path';
import winston from 'winston';
import { ecsLineFormat, LOGGED_AT, type ErrorGroupListener } from './ecs-format';
import { makeRedactor } from './redact';
import { requestContext } from './request-context';

export interface LoggerOptions {
  service: string;
  /** Shown as service.version. */
  version?: string;
  instanceId: string;
  node: string;
  level: string;
  /** Folder for this instance's JSON log file, `<service>/<instanceId>.log`; none when absent. */
  logDir?: string;
  toStdout: boolean;
  redactKeys?: readonly string[];
  /** Told of each error line's group (error-fingerprint.ts), e.g. to count it. */
  onErrorGroup?: ErrorGroupListener;
}

export type Logger = winston.Logger;

/**
 * Stamps what belongs to the moment of the call: the request being served (OTel's context: its id and active span),
 * the time and a per-process sequence that orders lines logged in the same millisecond. A format
 * cannot do this: winston formats a line later when its transports are busy, outside the request.
 */
function stampAtCall(logger: winston.Logger): void {
  const write = logger.write.bind(logger);
  let sequence = 0;
  Object.defineProperty(logger, 'write', {
    value(info: Record<string | symbol, unknown>, ...rest: unknown[]) {
      // winston formats every line before its transports drop those below the level; dropping them
      // here keeps redaction and ECS formatting off the request path for lines nobody keeps.
      if (typeof info.level === 'string' && !logger.isLevelEnabled(info.level)) return true;
      // In place, as winston itself does: `info` may be an Error whose message is not enumerable.
      info['event.sequence'] = ++sequence;
      info[LOGGED_AT] = new Date().toISOString();
      const context = requestContext.current();
      if (context) {
        info['http.request.id'] ??= context.requestId;
        if (context.traceId) {
          info['trace.id'] = context.traceId;
          info['span.id'] = context.spanId;
        }
      }
      return (write as (chunk: unknown, ...more: unknown[]) => boolean)(info, ...rest);
    },
  });
}

export function createLogger(options: LoggerOptions): Logger {
  const transports: winston.transport[] = [];
  if (options.toStdout) transports.push(new winston.transports.Console());
  if (options.logDir) {
    transports.push(new winston.transports.File({ filename: join(options.logDir, options.service, `${options.instanceId}.log`) }));
  }
  if (transports.length === 0) transports.push(new winston.transports.Console({ silent: true }));
  const logger = winston.createLogger({
    level: options.level,
    format: ecsLineFormat({ service: options.service, version: options.version, instanceId: options.instanceId, node: options.node }, makeRedactor(options.redactKeys), options.onErrorGroup),
    transports,
  });
  stampAtCall(logger);
  return logger;
}

/** Resolves once every transport has flushed what it was given. */
export function closeLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    logger.once('finish', () => {
      clearTimeout(timer);
      resolve();
    });
    logger.end();
  });
}
