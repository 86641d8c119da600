import { atFileEnd } from './file-end';

/**
 * Every component a test file starts through the harness is stopped when the file ends, whatever
 * happened in it. A `beforeAll` that failed half-way used to leave what it had started running (a
 * `[pg, kafka, lb] = await Promise.all(...)` whose last part timed out assigns none of them, so the
 * file's afterAll stopped nothing): a PostgreSQL cluster, Kafka or OpenSearch left behind loaded the
 * two cores for the rest of the run and failed the next files one after another.
 *
 * Makes `component.stop` run once (later calls share the first one's outcome) and has it run at the
 * end of the file if the file has not called it by then. Returns the component.
 */
export function stoppedAtEnd<T extends { stop: (...args: never[]) => Promise<unknown> }>(component: T): T {
  const stop = component.stop.bind(component) as (...args: Parameters<T['stop']>) => Promise<unknown>;
  let stopping: Promise<unknown> | undefined;
  const once = (...args: Parameters<T['stop']>): Promise<unknown> => {
    takeBack();
    stopping ??= stop(...args);
    return stopping;
  };
  const takeBack = atFileEnd(() => once(...([] as unknown as Parameters<T['stop']>)));
  component.stop = once as T['stop'];
  return component;
}
