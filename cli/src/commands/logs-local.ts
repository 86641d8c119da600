import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PlatformError, sleep } from '@platform/process-runner';
import { jsonLogLine, renderLogLine } from '../log-render';
import { loadSettings, statePaths } from '../settings';

export interface LocalLogsOptions {
  service: string;
  follow: boolean;
  lines: number;
  /** One JSON object per line (the logger's own) instead of readable text. */
  json?: boolean;
}

interface LogLine {
  time: string;
  text: string;
}

function readFrom(file: string, offset: number): { text: string; end: number } {
  const size = statSync(file).size;
  if (size <= offset) return { text: '', end: size };
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(size - offset);
    readSync(fd, buffer, 0, buffer.length, offset);
    return { text: buffer.toString('utf8'), end: size };
  } finally {
    closeSync(fd);
  }
}

/**
 * Tails the local log files of every instance of a service, merged in time order: what
 * `platform logs` falls back to when the log search store is not running.
 */
export async function localLogs(options: LocalLogsOptions): Promise<number> {
  const dir = join(statePaths(loadSettings().stateDir).logDir, options.service);
  if (!existsSync(dir)) throw new PlatformError('PLATFORM_LOGS_NOT_FOUND', `no logs for ${options.service} in ${dir}`);
  const offsets = new Map<string, number>();
  const pending = new Map<string, string>();

  const collect = (): LogLine[] => {
    const out: LogLine[] = [];
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
      const file = join(dir, name);
      const { text, end } = readFrom(file, offsets.get(file) ?? 0);
      offsets.set(file, end);
      const parts = ((pending.get(file) ?? '') + text).split('\n');
      pending.set(file, parts.pop() ?? '');
      const source = name.replace(/(\.stdio)?\.log$/, '');
      for (const raw of parts) if (raw.trim() !== '') out.push((options.json ? jsonLogLine : renderLogLine)(raw, source));
    }
    return out.sort((a, b) => a.time.localeCompare(b.time));
  };

  for (const line of collect().slice(-options.lines)) process.stdout.write(`${line.text}\n`);
  while (options.follow) {
    await sleep(500);
    for (const line of collect()) process.stdout.write(`${line.text}\n`);
  }
  return 0;
}
