import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlatformError } from '@platform/process-runner';
import { SERVICE_NAME } from '@platform/service-kit';
import { componentsFor } from '../components';

/**
 * Names the platform's own processes use in Consul, in OS accounts or as tokens: a service named
 * like one of them would share its account or token, or hide it in `platform status`.
 */
const PLATFORM_NAMES = new Set(['consul', 'lb-controller', 'patroni', 'prometheus', 'alertmanager', 'platform', 'node-exporter', ...componentsFor('all').map((c) => c.name)]);

/**
 * The service-name rule is the platform's one (SERVICE_NAME: what Consul registrations, tokens and
 * routes accept); a new service must also start with a letter, because `platform scale <name>=N`
 * and the generated code's identifiers do. Checked before the name reaches any path or file.
 */
export function serviceNameProblem(name: string): string | undefined {
  if (!SERVICE_NAME.test(name) || !/^[a-z]/.test(name)) return `${JSON.stringify(name)} is not a service name: lower-case letters, digits and dashes, starting with a letter, at most 63`;
  if (name.endsWith('-') || name.includes('--')) return `${JSON.stringify(name)} is not a service name: no dash at the end and no two in a row`;
  if (PLATFORM_NAMES.has(name)) return `${name} is a name the platform uses for its own processes`;
  return undefined;
}

/** The workspace whose package.json is named `pkg`, if any (npm refuses two workspaces of one name). */
function workspaceNamed(root: string, pkg: string): string | undefined {
  const { workspaces = [] } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces?: string[] };
  return workspaces.find((dir) => {
    try {
      return (JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name?: string }).name === pkg;
    } catch {
      return false;
    }
  });
}

/** Refuses an invalid name, and a name a folder under services/ or a workspace package (`@platform/<name>`) already has. */
export function checkNewServiceName(root: string, name: string): void {
  const problem = serviceNameProblem(name);
  if (problem) throw new PlatformError('PLATFORM_NEW_SERVICE_NAME', problem);
  const dir = join(root, 'services', name);
  if (existsSync(dir)) throw new PlatformError('PLATFORM_NEW_SERVICE_EXISTS', `services/${name} already exists; pick another name (platform remove service ${name} stops a service, its folder is left for git)`);
  const taken = workspaceNamed(root, `@platform/${name}`);
  if (taken) throw new PlatformError('PLATFORM_NEW_SERVICE_EXISTS', `the package @platform/${name} already exists (${taken}); pick another name`);
}

