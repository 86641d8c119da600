import { field } from '@platform/opensearch';

/** Fields every line has, shown in the line's head rather than repeated in its tail. */
const SHOWN = new Set(['@timestamp', 'timestamp', 'log.level', 'level', 'message', 'service.name', 'service.node.name', 'service.version', 'host.name', 'ecs.version', 'event.dataset', 'event.sequence', 'event.ingested', 'error.stack_trace', 'http.request.id', 'trace.id', 'span.id', 'log.file.path', 'log.offset', 'log.flags', 'instance', 'service', 'node']);

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** Flattens a stored line into dotted names, whichever way (flat or nested) it was written. */
function flatten(value: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, name, out);
    else out[name] = v;
  }
  return out;
}

/**
 * One readable line: time, service/instance, level, message, request id, then the remaining
 * fields as JSON. Works for the kit's ECS lines from a file and for documents from the store.
 */
export function renderEntry(source: Record<string, unknown>, fallbackInstance = ''): { time: string; text: string } {
  const time = str(field(source, '@timestamp') ?? source.timestamp);
  const level = str(field(source, 'log.level') ?? source.level).toUpperCase();
  const service = str(field(source, 'service.name') ?? source.service);
  const instance = str(field(source, 'service.node.name') ?? source.instance) || fallbackInstance;
  const requestId = str(field(source, 'http.request.id'));
  const rest = Object.fromEntries(Object.entries(flatten(source)).filter(([k]) => !SHOWN.has(k)));
  const who = service && instance.startsWith(service) ? instance : [service, instance].filter(Boolean).join('/');
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  // A stack is read down the page, indented under its line, not as one escaped JSON string.
  const stack = str(field(source, 'error.stack_trace'));
  const tail = stack ? `\n    ${stack.split('\n').join('\n    ')}` : '';
  return { time, text: `${time} ${who} ${level} ${str(source.message)}${requestId ? ` [${requestId}]` : ''}${extra}${tail}` };
}

function parseObject(raw: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return undefined;
}

/** A raw line from a local log file: JSON from the kit's logger, anything else (a crash trace) as it is. */
export function renderLogLine(raw: string, source: string): { time: string; text: string } {
  const parsed = parseObject(raw);
  return parsed ? renderEntry(parsed, source) : { time: '', text: `${source} | ${raw}` };
}

/**
 * The same line for `platform logs --json`: the logger's ECS object as written; a line that is not
 * JSON (a crash trace) becomes `{ "message": <line>, "log.file.source": <instance> }`.
 */
export function jsonLogLine(raw: string, source: string): { time: string; text: string } {
  const parsed = parseObject(raw);
  if (!parsed) return { time: '', text: JSON.stringify({ message: raw, 'log.file.source': source }) };
  return { time: str(field(parsed, '@timestamp') ?? parsed.timestamp), text: JSON.stringify(parsed) };
}
