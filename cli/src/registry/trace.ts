import { defineCommand, UsageError } from '../command/command';

/** A request id as the platform keeps them (http/request-id.ts), or a trace id: nothing else reaches a query. */
const ID = /^[A-Za-z0-9._:-]{8,128}$/;

export const traceCommand = defineCommand({
  name: 'trace',
  args: '<request-id|trace-id>',
  maxPositionals: 1,
  summary: 'one request as a waterfall of spans: every service, operation, start, duration and status',
  description: `Finds the trace of a request (its id, as X-Request-Id answers it; looked up in the log store,
whose lines carry both ids) or takes a trace id (32 hex digits), reads it from the trace store
(Jaeger, or JAEGER_QUERY_URL) and prints its spans as a tree: the edge, each service's request,
its calls and queries, the event's publish and the consumer's apply.
A trace not found is said so (--json: found false); exit 3 when the log or trace store does not answer.`,
  options: {},
  examples: ['trace 3f2a9c1e-7b1d-4c55-9f0e-2d8f1c6b7a10', 'trace 4bf92f3577b34da6a3ce929d0e0e4736 --json'],
  json: 'document',
  async run({ positionals, json }) {
    const id = positionals[0];
    if (id === undefined) throw new UsageError('name the request id (or trace id) to show');
    if (!ID.test(id)) throw new UsageError(`${JSON.stringify(id.slice(0, 140))} is neither a request id (8 to 128 letters, digits, ._:-) nor a trace id`);
    return (await import('../commands/trace.js')).trace(id, json);
  },
});
