/**
 * Every component a test file starts through the harness is stopped when the file ends, whatever
 * happened in it. A `beforeAll` that failed half-way used to leave what it had started running (a
 * `[pg, kafka, lb] = await Promise.all(...)` whose last part timed out assigns none of them, so the
 * file's afterAll stopped nothing): a PostgreSQL cluster, Kafka or OpenSearch left behind loaded the
 * two cores for the rest of the run and failed the next files one after another.
 *
 * The set lives on the test file's global object, which the test environment
 * (environment.js) reads in its teardown, after the file's own afterAll hooks.
 */
type Stop = () => Promise<unknown>;

export const LEFTOVERS_KEY = '__platformTestLeftovers';

function leftovers(): Set<Stop> {
  const global = globalThis as typeof globalThis & { [LEFTOVERS_KEY]?: Set<Stop> };
  global[LEFTOVERS_KEY] ??= new Set();
  return global[LEFTOVERS_KEY];
}

/**
 * Makes `component.stop` run once (later calls share the first one's outcome) and registers it to
 * run at the end of the file if the file has not called it by then. Returns the component.
 */
export function stoppedAtEnd<T extends { stop: (...args: never[]) => Promise<unknown> }>(component: T): T {
  const stop = component.stop.bind(component) as (...args: Parameters<T['stop']>) => Promise<unknown>;
  const open = leftovers();
  let stopping: Promise<unknown> | undefined;
  const once = (...args: Parameters<T['stop']>): Promise<unknown> => {
    open.delete(atEnd);
    stopping ??= stop(...args);
    return stopping;
  };
  const atEnd: Stop = () => once(...([] as unknown as Parameters<T['stop']>));
  open.add(atEnd);
  component.stop = once as T['stop'];
  return component;
}
