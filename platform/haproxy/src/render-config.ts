import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Slot } from './backend-slots';
import { backendName, type LbRole } from './roles';

export interface RenderInput {
  role: LbRole;
  bind: { host: string; port: number };
  adminSocket: string;
  /** Backends by service, with their current slots so a reload keeps the servers as they are. */
  backends: { service: string; slots: readonly Slot[] }[];
}

const templatePath = join(__dirname, '..', 'templates', 'haproxy.cfg');

const NOT_FOUND_BODY = '{"type":"about:blank","title":"Not Found","status":404,"detail":"no service is routed for this Host"}';

function renderServer(slot: Slot): string {
  // A free slot stays configured but disabled, so it can be filled at run time without a reload.
  const disabled = slot.state === 'maint' ? ' disabled' : '';
  return `  server ${slot.name} ${slot.address}:${slot.port}${disabled}`;
}

function renderBackend(service: string, slots: readonly Slot[]): string {
  return [`backend ${backendName(service)}`, '  balance leastconn', ...slots.map(renderServer)].join('\n');
}

function renderFrontend(input: RenderInput): string {
  const lines = [
    `frontend ${input.role}`,
    `  bind ${input.bind.host}:${input.bind.port}`,
    // Only idempotent methods may be retried once a request may have reached a server.
    '  http-request disable-l7-retry unless { method GET HEAD OPTIONS PUT DELETE }',
  ];
  if (input.role === 'edge') {
    lines.push('  http-request set-header X-Forwarded-Proto http', '  option forwardfor', `  default_backend ${backendName('gateway')}`);
  } else {
    lines.push('  http-request set-var(txn.target) req.hdr(host),field(1,:),lower');
    for (const { service } of input.backends) lines.push(`  use_backend ${backendName(service)} if { var(txn.target) -m str ${service.toLowerCase()} }`);
    lines.push('  default_backend no_route');
  }
  return lines.join('\n');
}

const NO_ROUTE = ['backend no_route', `  http-request return status 404 content-type application/problem+json string '${NOT_FOUND_BODY}'`].join('\n');

/** The whole haproxy.cfg for one load balancer: the template's global/defaults plus its sections. */
export function renderConfig(input: RenderInput): string {
  const sections = [renderFrontend(input), ...input.backends.map((b) => renderBackend(b.service, b.slots))];
  if (input.role === 'internal') sections.push(NO_ROUTE);
  return readFileSync(templatePath, 'utf8')
    .replaceAll('{{role}}', input.role)
    .replaceAll('{{adminSocket}}', input.adminSocket)
    .replace('{{sections}}', sections.join('\n\n'));
}
