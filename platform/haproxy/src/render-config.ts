import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NO_ROUTE_HEADER } from '@platform/service-kit';
import type { Slot } from './backend-slots';
import type { WorkerPrivileges } from './privileges';
import { returnProblem } from './edge-problems';
import { edgeGlobals, renderEdgeFrontend, renderEdgeSections, type EdgeSettings } from './render-edge';
import type { BackendSpec, LbRole } from './roles';
import { edgeSplit, internalSplit } from './split-rules';

export interface Listener {
  host: string;
  port: number;
}

export interface RenderInput extends RenderSettings {
  role: LbRole;
  bind: Listener;
  /** The db role's second listener, for reads. */
  readBind?: Listener;
  adminSocket: string;
  /** The traffic split map (edge and internal; see split-rules.ts). */
  splitMap?: string;
  /** HAProxy worker threads. */
  threads?: number;
  /** Backends with their current slots, so a reload keeps the servers as they are. */
  backends: { spec: BackendSpec; slots: readonly Slot[] }[];
}

/** What a controller is started with, beside what Consul tells it: the same for every render. */
export interface RenderSettings {
  /** The edge role's TLS listener, per-source limits and the gateway's data path. */
  edge?: EdgeSettings;
  /** Set when HAProxy is started as root. */
  privileges?: WorkerPrivileges;
}

const templates = join(__dirname, '..', 'templates');
const template = (name: string): string => readFileSync(join(templates, name), 'utf8');

function renderServer(slot: Slot): string {
  // A free slot stays configured but disabled, so it can be filled at run time without a reload.
  const disabled = slot.state === 'maint' ? ' disabled' : '';
  const checkPort = slot.checkPort ? ` check port ${slot.checkPort}` : '';
  return `  server ${slot.name} ${slot.address}:${slot.port}${checkPort}${disabled}`;
}

function renderBackend({ spec, slots }: RenderInput['backends'][number], edge: EdgeSettings | undefined): string {
  const lines = [`backend ${spec.name}`, '  balance leastconn'];
  if (edge) lines.push(`  timeout server ${edge.gateway.serverTimeoutMs}ms`);
  if (spec.checkPath) lines.push(`  option httpchk GET ${spec.checkPath}`, '  http-check expect status 200');
  return [...lines, ...slots.map(renderServer)].join('\n');
}

function renderInternalFrontend(input: RenderInput): string {
  const lines = [
    'frontend internal',
    `  bind ${input.bind.host}:${input.bind.port}`,
    // Only idempotent methods may be retried once a request may have reached a server.
    '  http-request disable-l7-retry unless { method GET HEAD OPTIONS PUT DELETE }',
    '  http-request set-var(txn.target) req.hdr(host),field(1,:),lower',
    ...internalSplit(input.splitMap),
  ];
  for (const { spec } of input.backends) if (!spec.candidate) lines.push(`  use_backend ${spec.name} if { var(txn.target) -m str ${spec.service.toLowerCase()} }`);
  lines.push('  default_backend no_route');
  return lines.join('\n');
}

function renderFrontends(input: RenderInput): string {
  switch (input.role) {
    case 'edge':
      if (!input.edge) throw new Error('the edge role needs its settings (maps, limits)');
      return renderEdgeFrontend(input.bind, input.edge, edgeSplit(input.splitMap));
    case 'internal':
      return renderInternalFrontend(input);
    case 'db':
      return renderDbFrontends(input);
  }
}

/** Root-started workers become the unprivileged user in an empty chroot; nothing when not root. */
const renderPrivileges = (p: WorkerPrivileges | undefined): string => (p ? `  user ${p.user}\n  group ${p.group}\n  chroot ${p.chroot}` : '  # Not started as root: the workers keep the user that started HAProxy.');

function renderDbFrontends(input: RenderInput): string {
  const read = input.readBind ?? input.bind;
  return [
    ['frontend pg_write', `  bind ${input.bind.host}:${input.bind.port}`, '  default_backend pg_primary'].join('\n'),
    [
      'frontend pg_read',
      `  bind ${read.host}:${read.port}`,
      // No replica within the lag bound: reads go to the primary rather than fail.
      '  use_backend pg_primary_fallback if { nbsrv(pg_replicas) lt 1 }',
      '  default_backend pg_replicas',
    ].join('\n'),
  ].join('\n\n');
}

// Marked as the load balancer's own answer, so a caller's client does not take it for the service's 404.
const NO_ROUTE = ['backend no_route', returnProblem({ status: 404, title: 'Not Found', detail: 'no service is routed for this Host', headers: { [NO_ROUTE_HEADER]: '1' } })].join('\n');

/** The whole haproxy.cfg for one load balancer: the template's global section, defaults by mode, sections. */
export function renderConfig(input: RenderInput): string {
  const db = input.role === 'db';
  const edge = input.role === 'edge' ? input.edge : undefined;
  const sections = [renderFrontends(input), ...input.backends.map((b) => renderBackend(b, edge))];
  if (input.role === 'internal') sections.push(NO_ROUTE);
  if (edge) sections.push(...renderEdgeSections(edge));
  return template('haproxy.cfg')
    .replaceAll('{{role}}', input.role)
    .replaceAll('{{adminSocket}}', input.adminSocket)
    .replaceAll('{{threads}}', String(input.threads ?? 1))
    .replace('{{privileges}}', [renderPrivileges(input.privileges), ...(edge ? edgeGlobals(edge) : [])].join('\n'))
    .replace('{{defaults}}', template(db ? 'defaults-tcp.cfg' : 'defaults-http.cfg').trimEnd())
    .replace('{{sections}}', sections.join('\n\n'));
}
