/**
 * Work for the end of a test file, after its own afterAll hooks: the test environment
 * (environment.js) runs it in its teardown, last registered first. What is registered lives on the
 * file's global object, so each file has its own list.
 */
type Task = () => Promise<unknown> | void;

const AT_FILE_END_KEY = '__platformAtFileEnd';

function tasks(scope: object = globalThis): Set<Task> {
  const global = scope as { [AT_FILE_END_KEY]?: Set<Task> };
  global[AT_FILE_END_KEY] ??= new Set();
  return global[AT_FILE_END_KEY];
}

/** Runs `task` when the file ends; the returned function takes it back (it ran some other way). */
export function atFileEnd(task: Task): () => void {
  const all = tasks();
  all.add(task);
  return () => all.delete(task);
}

/**
 * Runs what is registered on `scope` (a test file's global object), last registered first, each
 * failure reported and not stopping the rest: the test environment at a file's end
 * (environment.js), a benchmark before it exits.
 */
export async function runFileEndTasks(scope: object, report: (message: string) => void): Promise<void> {
  const all = tasks(scope);
  const pending = [...all].reverse();
  all.clear();
  for (const task of pending) {
    try {
      await task();
    } catch (err) {
      report(err instanceof Error ? err.message : String(err));
    }
  }
}
