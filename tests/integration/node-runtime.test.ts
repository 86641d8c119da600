import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinnedNodeVersionPattern } from '../harness/node-runtime';
import { repoRoot } from '../harness/service-process';

/** A directory whose `node` claims to be Node.js 20, standing for a machine's older system node. */
function olderNodeFirstOnPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'old-node-'));
  const fake = join(dir, 'node');
  writeFileSync(fake, '#!/bin/sh\n[ "$1" = --version ] && { echo v20.11.1; exit 0; }\necho "the old node was run" >&2; exit 3\n');
  chmodSync(fake, 0o755);
  return `${dir}:${process.env.PATH ?? ''}`;
}

test('with-node runs the command on the pinned Node.js major when the shell finds an older node first', () => {
  const run = spawnSync(join(repoRoot, 'platform/with-node'), ['node', '-p', 'process.version'], { env: { ...process.env, PATH: olderNodeFirstOnPath() }, encoding: 'utf8' });
  expect(run.stderr).not.toContain('the old node was run');
  expect(run.status).toBe(0);
  expect(run.stdout.trim()).toMatch(pinnedNodeVersionPattern());
});

test('the platform command starts on the pinned Node.js major when the shell finds an older node first', () => {
  const run = spawnSync(join(repoRoot, 'cli/bin/platform'), [], { env: { ...process.env, PATH: olderNodeFirstOnPath() }, encoding: 'utf8' });
  expect(run.stderr).not.toContain('the old node was run');
  expect(`${run.stdout}${run.stderr}`).toContain('usage: platform');
});

test('this test run, and so every process the harness starts (process.execPath), is on the pinned major', () => {
  expect(process.version).toMatch(pinnedNodeVersionPattern());
});
