/**
 * Work for the end of a test file, after its own afterAll hooks: the test environment
 * (environment.js) runs it in its teardown, last registered first. What is registered lives on the
 * file's global object, so each file has its own list.
 */
type Task = () => Promise<unknown> | void;

const AT_FILE_END_KEY = '__platformAtFileEnd';

function tasks(): Set<Task> {
  const global = globalThis as typeof globalThis & { [AT_FILE_END_KEY]?: Set<Task> };
  global[AT_FILE_END_KEY] ??= new Set();
  return global[AT_FILE_END_KEY];
}

/** Runs `task` when the file ends; the returned function takes it back (it ran some other way). */
export function atFileEnd(task: Task): () => void {
  const all = tasks();
  all.add(task);
  return () => all.delete(task);
}
