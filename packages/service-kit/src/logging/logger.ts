import { join } from 'node:path';
import winston from 'winston';
import { makeRedactor } from './redact';

export interface LoggerOptions {
  service: string;
  instanceId: string;
  node: string;
  level: string;
  /** Folder for this instance's JSON log file, `<service>/<instanceId>.log`; none when absent. */
  logDir?: string;
  toStdout: boolean;
  redactKeys?: readonly string[];
}

export type Logger = winston.Logger;

/** Secret-looking fields are replaced before the line is formatted, so no transport ever sees them. */
const redactFormat = (redact: (value: unknown) => unknown) =>
  winston.format((info) => {
    for (const key of Object.keys(info)) {
      if (key === 'level' || key === 'message') continue;
      const wrapped = redact({ [key]: info[key] }) as Record<string, unknown>;
      info[key] = wrapped[key];
    }
    return info;
  })();

/** Errors logged as `err` keep their type, message and stack as plain fields. */
const errorFields = winston.format((info) => {
  const err = info.err;
  if (err instanceof Error) {
    info.error = { type: err.name, message: err.message, stack_trace: err.stack };
    delete info.err;
  }
  return info;
})();

export function createLogger(options: LoggerOptions): Logger {
  const transports: winston.transport[] = [];
  if (options.toStdout) transports.push(new winston.transports.Console());
  if (options.logDir) {
    transports.push(new winston.transports.File({ filename: join(options.logDir, options.service, `${options.instanceId}.log`) }));
  }
  if (transports.length === 0) transports.push(new winston.transports.Console({ silent: true }));
  return winston.createLogger({
    level: options.level,
    defaultMeta: { service: options.service, instance: options.instanceId, node: options.node },
    format: winston.format.combine(errorFields, redactFormat(makeRedactor(options.redactKeys)), winston.format.timestamp(), winston.format.json()),
    transports,
  });
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
