import { readdirSync, readFileSync } from 'node:fs';

/**
 * The pid of the one process whose command line holds `argument` (a member's own config path:
 * every cluster member of a platform runs with a file under its own folder), to kill it as a
 * machine failure would. Throws when none or several match, so a test never kills the wrong one.
 */
export function pidWithArgument(argument: string): number {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').some((arg) => arg.includes(argument))) found.push(Number(name));
    } catch {
      // gone already, or not ours to read
    }
  }
  if (found.length !== 1) throw new Error(`expected one process with ${argument} in its command line, found ${found.length} (${found.join(', ')})`);
  return found[0] as number;
}
