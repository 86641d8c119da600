import type { ProgressStream } from './progress';

/** Progress goes to stdout, except under --json where stdout carries only the document. */
export const progressStream = (json: boolean): ProgressStream => (json ? process.stderr : process.stdout);

/** Prints a command's result: the JSON document under --json, else the text made from it. */
export function printResult<T>(json: boolean, result: T, text: (result: T) => string): void {
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${text(result)}\n`);
}
