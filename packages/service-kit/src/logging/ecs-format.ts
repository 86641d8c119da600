import { ecsFields, ecsStringify } from '@elastic/ecs-winston-format';
import winston from 'winston';
import { errorGroup, type ErrorGroup } from './error-fingerprint';
import { scrubText } from './redact';

export interface EcsIdentity {
  service: string;
  version?: string;
  instanceId: string;
  node: string;
}

/** Set on a line when it is logged (not when winston gets round to formatting it). */
export const LOGGED_AT = Symbol('loggedAt');

/**
 * Names the log index maps as ECS objects. A plain value under one of them (`error: 'timeout'`)
 * would make the store reject the whole line, so such values are moved aside before writing.
 */
const OBJECT_FIELDS = ['error', 'http', 'url', 'event', 'service', 'host', 'log', 'trace', 'span', 'transaction', 'user', 'client', 'labels', 'ecs'];

const isPlainObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

const normalize = winston.format((info) => {
  // Code written before ECS logs `requestId`; the index knows it as http.request.id.
  if (typeof info.requestId === 'string') {
    info['http.request.id'] ??= info.requestId;
    delete info.requestId;
  }
  if (info.error instanceof Error && !(info.err instanceof Error)) {
    info.err = info.error;
    delete info.error;
  }
  for (const key of OBJECT_FIELDS) {
    const value = info[key];
    if (value === undefined || isPlainObject(value)) continue;
    if (key === 'error') info.error = { message: String(value) };
    else if (key === 'url' && typeof value === 'string') {
      info['url.original'] = value;
      delete info.url;
    } else {
      info[`${key}_value`] = value;
      delete info[key];
    }
  }
  return info;
})();

/** Fields ECS has no helper for, and the time the line was logged rather than formatted. */
const identityFields = (identity: EcsIdentity) =>
  winston.format((info) => {
    const loggedAt = (info as unknown as Record<symbol, unknown>)[LOGGED_AT];
    if (typeof loggedAt === 'string') info['@timestamp'] = loggedAt;
    info['host.name'] = identity.node;
    return info;
  })();

/** Told of every error line's group, to count it (the kit's `kit_error_group_events_total`). */
export type ErrorGroupListener = (group: ErrorGroup) => void;

/**
 * Every line at level error that carries an error (ECS error.*, from `err` or `error`) gets
 * `error.fingerprint`, its group (error-fingerprint.ts), computed before redaction so that a
 * scrubbed credential does not split a group; the listener counts it.
 */
const errorGroupFormat = (listener: ErrorGroupListener | undefined) =>
  winston.format((info) => {
    const error = info.error as { type?: unknown; message?: unknown; stack_trace?: unknown } | undefined;
    if (info.level !== 'error' || !isPlainObject(error) || typeof error?.message !== 'string') return info;
    const group = errorGroup(typeof error.type === 'string' ? error.type : 'Error', error.message, typeof error.stack_trace === 'string' ? error.stack_trace : undefined);
    (error as Record<string, unknown>).fingerprint = group.fingerprint;
    listener?.(group);
    return info;
  })();

/** Values are judged by key (makeRedactor) and free text is scrubbed, before the line is stringified. */
const redactFormat = (redact: (value: unknown) => unknown) =>
  winston.format((info) => {
    for (const key of Object.keys(info)) {
      if (key === 'level' || key === 'log.level' || key === '@timestamp') continue;
      const value = info[key];
      if (key === 'message') info.message = typeof value === 'string' ? scrubText(value) : value;
      else info[key] = (redact({ [key]: value }) as Record<string, unknown>)[key];
    }
    return info;
  })();

/**
 * One JSON line per entry in ECS: `@timestamp`, `log.level`, `message`, `service.*`, `host.name`,
 * `event.dataset`, `error.fingerprint` on error lines, and the request's `http.request.id` / `trace.id` / `span.id` stamped at the call.
 */
export function ecsLineFormat(identity: EcsIdentity, redact: (value: unknown) => unknown, onErrorGroup?: ErrorGroupListener): winston.Logform.Format {
  return winston.format.combine(
    normalize,
    ecsFields({ serviceName: identity.service, serviceVersion: identity.version, serviceNodeName: identity.instanceId, apmIntegration: false }),
    errorGroupFormat(onErrorGroup),
    identityFields(identity),
    redactFormat(redact),
    ecsStringify(),
  );
}
