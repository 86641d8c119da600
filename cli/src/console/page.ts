import type { ErrorGroupView } from '@platform/opensearch';
import type { AlertView } from '../commands/alerts';
import type { DbStatusView } from '../db-view';
import type { LoadBalancerServerView } from '../lb-view';
import type { ConsoleInstance, ConsoleSnapshot, Section } from './snapshot';
import type { MessagingView, ServiceTraffic } from './traffic';

/**
 * The console page, rendered here and only here: every value that reaches the HTML passes `esc`
 * (catalog names, error messages and alert labels are other people's strings). The browser only
 * swaps in what the server rendered (console-assets.ts), so there is no second template.
 */
export const esc = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const cell = (value: unknown, cls?: string): string => `<td${cls ? ` class="${esc(cls)}"` : ''}>${esc(value)}</td>`;

function table(headers: string[], rows: string[], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${esc(empty)}</p>`;
  return `<table><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function panel<T>(id: string, title: string, content: Section<T>, render: (data: T) => string): string {
  const body = content.ok ? render(content.data) : `<p class="unavailable">${esc(content.error)}</p>`;
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>${body}</section>`;
}

const since = (iso: string | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

const instanceRows = (instances: ConsoleInstance[]): string[] =>
  instances.map((i) => {
    const exit = i.lastExit ? `${i.lastExit.signal ?? `exit ${i.lastExit.code}`} at ${since(i.lastExit.at)}` : '-';
    return `<tr data-instance="${esc(i.id)}" data-status="${esc(i.status)}">${cell(i.service)}${cell(i.id)}${cell(i.status, `status ${i.status}`)}${cell(i.health)}${cell(i.version ?? '-')}${cell(i.release ?? '-')}${cell(i.address ?? '-')}${cell(i.pid ?? i.state)}${cell(i.restarts ?? '-')}${cell(exit)}</tr>`;
  });

const lbRows = (views: LoadBalancerServerView[]): string[] =>
  views.map((v) => {
    const lb = v.role === null ? v.controller : `${v.role} ${v.bind ?? ''}`;
    const up = v.haproxyState?.startsWith('up') ?? false;
    return `<tr data-lb-server="${esc(v.instance ?? '')}">${cell(lb)}${cell(v.haproxyBackend ?? '-')}${cell(v.server ?? '-')}${cell(v.instance ?? v.problem ?? '-')}${cell(v.consulHealth ?? '-')}${cell(v.controllerState ?? '-')}${cell(v.haproxyState ?? '-', v.problem || !up ? 'status down' : 'status up')}</tr>`;
  });

const percent = (ratio: number | null): string => (ratio === null ? '-' : `${(ratio * 100).toFixed(ratio < 0.01 && ratio > 0 ? 2 : 1)} %`);

const trafficRows = (traffic: ServiceTraffic[]): string[] =>
  traffic.map((t) => `<tr data-service="${esc(t.service)}">${cell(t.service)}${cell(t.requestsPerSecond.toFixed(2))}${cell(percent(t.errorRatio), t.errorRatio && t.errorRatio > 0.05 ? 'status down' : '')}${cell(t.p99Seconds === null ? '-' : `${(t.p99Seconds * 1000).toFixed(1)} ms`)}</tr>`);

const alertRows = (alerts: AlertView[]): string[] =>
  alerts.map((a) => `<tr data-alert="${esc(a.name)}">${cell(a.name)}${cell(a.severity ?? '-', a.severity === 'page' ? 'status down' : '')}${cell(Object.entries(a.about).map(([k, v]) => `${k}=${v}`).join(' '))}${cell(`${a.firingForSeconds} s`)}${cell(a.summary ?? '')}</tr>`);

function messagingHtml(view: MessagingView): string {
  const lag = table(['consumer group', 'topic', 'lag (messages)'], view.consumerLag.map((l) => `<tr>${cell(l.group)}${cell(l.topic)}${cell(l.lag)}</tr>`), 'no consumer group reports lag');
  const outbox = table(['service', 'outbox backlog (events)'], view.outboxBacklog.map((o) => `<tr>${cell(o.service)}${cell(o.backlog)}</tr>`), 'no service reports an outbox');
  return lag + outbox;
}

function databaseHtml(db: DbStatusView): string {
  const rows = db.members.map((m) => `<tr data-member="${esc(m.name)}">${cell(m.name)}${cell(m.role)}${cell(m.state, m.state === 'running' || m.state === 'streaming' ? 'status up' : 'status down')}${cell(`${m.host}:${m.port}`)}${cell(m.timeline ?? '-')}${cell(m.lagBytes ?? '-')}</tr>`);
  const leader = db.leader === null ? '<p class="unavailable">no leader: writes are refused until one is elected</p>' : '';
  return leader + table(['member', 'role', 'state', 'PostgreSQL', 'timeline', 'lag (bytes)'], rows, 'no member');
}

const errorRows = (groups: ErrorGroupView[]): string[] =>
  groups.map((g) => {
    const look = [g.requestId ? `npx platform logs --request-id ${g.requestId}` : '', g.traceId ? `npx platform trace ${g.traceId}` : ''].filter(Boolean);
    const commands = look.map((c) => `<code>${esc(c)}</code>`).join('<br>') || '-';
    return `<tr data-fingerprint="${esc(g.fingerprint)}">${cell(g.fingerprint, 'mono')}${cell(g.count)}${cell(since(g.firstSeen))}${cell(since(g.lastSeen))}${cell(g.services.join(', '))}${cell(g.type)}${cell(g.message, 'message')}<td>${commands}</td></tr>`;
  });

/** The page's main part; the SSE feed sends it again at every refresh. */
export function renderBody(s: ConsoleSnapshot): string {
  return [
    `<p id="updated">updated ${esc(since(s.at))}</p>`,
    panel('instances', 'Services and instances', s.instances, (d) => table(['service', 'instance', 'status', 'Consul', 'version', 'release', 'address', 'pid', 'restarts', 'last exit'], instanceRows(d), 'no instance')),
    panel('alerts', 'Firing alerts', s.alerts, (d) => table(['alert', 'severity', 'about', 'for', 'summary'], alertRows(d), 'no alert firing')),
    panel('traffic', 'Requests per service (last minute)', s.traffic, (d) => table(['service', 'requests/s', '5xx', 'p99'], trafficRows(d), 'no request counted yet')),
    panel('errors', 'Error groups (newest first)', s.errorGroups, (d) => table(['fingerprint', 'count', 'first seen', 'last seen', 'services', 'type', 'newest message', 'look at the newest'], errorRows(d), 'no error logged')),
    panel('load-balancers', 'Load balancers', s.loadBalancers, (d) => table(['load balancer', 'backend', 'server', 'instance', 'Consul', 'controller', 'HAProxy'], lbRows(d), 'no load-balancer controller passing')),
    panel('messaging', 'Events', s.messaging, messagingHtml),
    panel('database', 'Database', s.database, databaseHtml),
  ].join('\n');
}

export function renderPage(s: ConsoleSnapshot): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>platform console</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="icon.svg"><link rel="stylesheet" href="console.css"><script src="console.js" defer></script></head>
<body><header><h1>platform console</h1><span id="live" data-live="connecting">connecting…</span></header>
<main id="console">${renderBody(s)}</main></body></html>`;
}
