import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformBin } from '@platform/process-runner';
import { TERRAFORM_DIR } from '../harness/terraform';

/** `tofu fmt -check` (OpenTofu's copy of terraform fmt), built by platform/tofu/install.sh. */
function fmtCheck(dir: string): { status: number | null; out: string; err: string } {
  const tofu = platformBin('tofu');
  if (!existsSync(tofu)) throw new Error(`${tofu} is missing: platform/tofu/install.sh builds it (bootstrap runs it)`);
  const run = spawnSync(tofu, ['fmt', '-check', '-recursive', '-diff', dir], { encoding: 'utf8', env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' } });
  return { status: run.status, out: run.stdout, err: run.stderr };
}

test('terraform/ is formatted as terraform fmt writes it', () => {
  expect(fmtCheck(TERRAFORM_DIR)).toEqual({ status: 0, out: '', err: '' });
});

test('the format check names a file whose alignment differs, and fails', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-fmt-'));
  try {
    writeFileSync(join(dir, 'main.tf'), 'variable "name" {\n  type = string\n  default = "platform"\n}\n');
    const result = fmtCheck(dir);
    expect(result.status).not.toBe(0);
    expect(result.out).toContain('main.tf');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
