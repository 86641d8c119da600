import { spawn } from 'node:child_process';
import { EXIT, UsageError } from '../command/command';
import { printResult } from '../command/output';
import { READER_TOKEN } from '@platform/consul';
import { consulTokenFile } from '../consul-tokens';
import { logStoreUrl } from '../log-settings';
import { alertmanagerUrl } from '../monitoring-settings';
import { runningState } from '../platform-view';
import { loadSettings } from '../settings';

/** One page `platform open` knows, as `platform open --json` lists it. */
export interface OpenTarget {
  name: string;
  url: string;
  /** What else the page needs (the Consul UI's token), never the secret itself. */
  note: string | null;
}

export const TARGET_NAMES = ['consul', 'docs', 'prometheus', 'alerts', 'logs'] as const;

/** A listener on every address is reached on loopback from this machine. */
const reachable = (host: string): string => (host === '0.0.0.0' || host === '' ? '127.0.0.1' : host);

/** Where each page is, from the same settings `platform up` starts the components with. */
export function openTargets(): OpenTarget[] {
  const settings = loadSettings();
  const consulAddr = runningState(settings.stateDir)?.env.CONSUL_HTTP_ADDR ?? `127.0.0.1:${settings.consul.http}`;
  const { edge } = settings;
  const docs = edge.port > 0 ? `http://${reachable(edge.host)}:${edge.port}/docs` : `https://${reachable(edge.host)}:${edge.tlsPort}/docs`;
  const { monitoring, logs } = settings;
  return [
    { name: 'consul', url: `http://${consulAddr}/ui/`, note: `ACLs are on: log in with the read-only token in ${consulTokenFile(settings, READER_TOKEN)}` },
    { name: 'docs', url: docs, note: "every service's API, through the edge" },
    { name: 'prometheus', url: `http://${reachable(monitoring.host)}:${monitoring.prometheusPort}/`, note: null },
    { name: 'alerts', url: alertmanagerUrl(monitoring), note: null },
    { name: 'logs', url: `${logStoreUrl(logs)}/${logs.indexPrefix}-*/_search?q=*&sort=@timestamp:desc&size=50&pretty`, note: 'the log store has no UI: platform logs reads it for you' },
  ];
}

/** Hands the URL to the desktop's browser; on a server without one, printing it is all there is. */
function openInBrowser(url: string): boolean {
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return false;
  const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
  return true;
}

/** `platform open [<page>] [--browser]`. */
export function open(wanted: string | undefined, browser: boolean, json: boolean): number {
  const all = openTargets();
  const chosen = wanted === undefined ? all : all.filter((t) => t.name === wanted);
  if (chosen.length === 0) throw new UsageError(`no page ${JSON.stringify(wanted)}; pages: ${TARGET_NAMES.join(', ')}`);
  const target = chosen[0] as OpenTarget;
  if (browser) {
    if (wanted === undefined) throw new UsageError('--browser opens one page: name it');
    if (!openInBrowser(target.url)) process.stderr.write('(no display here: open the URL yourself)\n');
  }
  if (json) printResult(true, wanted === undefined ? all : target, () => '');
  else if (wanted === undefined) process.stdout.write(`${all.map((t) => `${t.name.padEnd(11)}${t.url}${t.note ? `\n           ${t.note}` : ''}`).join('\n')}\n`);
  else {
    // The URL alone on stdout, so that $(platform open consul) is the URL.
    process.stdout.write(`${target.url}\n`);
    if (target.note) process.stderr.write(`(${target.note})\n`);
  }
  return EXIT.ok;
}
