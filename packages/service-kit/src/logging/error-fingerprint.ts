import { createHash } from 'node:crypto';
import { relative, resolve, sep } from 'node:path';

/**
 * Error grouping: one failure seen a thousand times is one problem. Its fingerprint is the error's
 * type, its message with the parts that vary between occurrences replaced (ids, numbers, quoted
 * values), and the top stack frame in the platform's own code without line or column (those move
 * with every edit; the function and file do not). Same bug on every instance and every node, same
 * fingerprint: the frame's path is relative to the checkout.
 */
export interface ErrorGroup {
  fingerprint: string;
  type: string;
  /** The message as grouped, with its variable parts replaced. */
  message: string;
  /** `function (path)` of the top frame in the platform's code, or `-` when the stack names none. */
  frame: string;
}

/** The checkout holding the kit: src/logging (tests) and dist/logging (built) are four levels down. */
const CODE_ROOT = resolve(__dirname, '../../../..');

/** In order: quoted values first (they may hold ids), then ids, then any number left. */
const REPLACEMENTS: [RegExp, string][] = [
  [/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '<str>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  // A hex run of 8 or more holding a digit: object ids, hashes, request ids; words stay.
  [/\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, '<hex>'],
  [/\d+(?:[.,:]\d+)*/g, '<n>'],
];

/** The message with what differs between occurrences of the same failure replaced. */
export function normaliseErrorMessage(message: string): string {
  let text = message;
  for (const [pattern, replacement] of REPLACEMENTS) text = text.replace(pattern, replacement);
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}

const FRAME = /^\s*at (?:(?<fn>.+?) \()?(?<location>.+?)(?::\d+)?(?::\d+)?\)?$/;

/** The path of a frame's file relative to the checkout; undefined for Node's own code. */
function codePath(location: string, root: string): string | undefined {
  const path = location.replace(/^file:\/\//, '');
  if (path.startsWith('node:') || !path.startsWith(sep)) return undefined;
  return relative(root, path);
}

/**
 * The top frame of the platform's own code: a service's or a platform process's frame first,
 * else the kit's (a failure inside the kit itself); dependencies and Node's internals never.
 */
export function topOwnFrame(stack: string, root = CODE_ROOT): string {
  const frames = stack
    .split('\n')
    .map((line) => FRAME.exec(line)?.groups)
    .flatMap((groups) => {
      const path = groups?.location ? codePath(groups.location, root) : undefined;
      if (!path || path.startsWith('..') || path.split(sep).includes('node_modules')) return [];
      return [{ fn: (groups?.fn ?? '<anonymous>').replace(/^async /, ''), path }];
    });
  const own = frames.find((f) => !f.path.startsWith(`packages${sep}`)) ?? frames[0];
  return own ? `${own.fn} (${own.path})` : '-';
}

/** The group an error belongs to; `type` is the error's class name (ECS error.type). */
export function errorGroup(type: string, message: string, stack: string | undefined, root = CODE_ROOT): ErrorGroup {
  const normalised = normaliseErrorMessage(message);
  const frame = stack ? topOwnFrame(stack, root) : '-';
  const fingerprint = createHash('sha256').update(`${type}\n${normalised}\n${frame}`).digest('hex').slice(0, 12);
  return { fingerprint, type, message: normalised, frame };
}
