import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

function run(what: string, command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  if (result.status === 0) return;
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`})${output ? `:\n${output}` : ''}`);
}

/**
 * npm install links the new workspace and records it in package-lock.json (so `npm ci` agrees
 * with package.json); tsc -b builds it and what it references, on this Node.js.
 */
export function buildService(root: string, name: string): void {
  run('npm install', 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], root);
  compileService(root, name);
}

/** tsc -b of one service folder (and what it references): `platform deploy` builds with it too. */
export function compileService(root: string, name: string): void {
  run(`building services/${name}`, process.execPath, [require.resolve('typescript/bin/tsc'), '-b', join(root, 'services', name)], root);
}
