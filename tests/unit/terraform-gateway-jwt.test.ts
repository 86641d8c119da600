import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformBin } from '@platform/process-runner';
import { readJwtSettings } from '@platform/gateway/dist/edge/jwt-settings';
import { loadTerraform, TERRAFORM_DIR } from '../harness/terraform';

/**
 * Edge nodes get the JWT issuer, audience and clock tolerance as GATEWAY_JWT_SETTINGS_FILE (which
 * the gateway follows while running), never as fixed variables: terraform's `gateway_jwt` variable,
 * validated, becomes the SSM parameter that platform-first-boot writes to that 0600 file. No
 * provider can be fetched here, so the variable and the parameter's expression are planned alone
 * by OpenTofu (`tofu apply` of a module without resources needs none).
 */
const tofu = platformBin('tofu');
const variables = readFileSync(join(TERRAFORM_DIR, 'variables.tf'), 'utf8');
const variableBlock = /^variable "gateway_jwt" \{[\s\S]*?^\}$/m.exec(variables)?.[0] ?? '';

/** The `gateway/jwt-settings` parameter's expression, as secrets.tf writes it. */
async function settingsExpression(): Promise<string> {
  const secrets = JSON.stringify((await loadTerraform()).locals.secrets);
  const expression = /"gateway\/jwt-settings\\" = (jsonencode\(\{.*?\}\))/.exec(secrets)?.[1];
  if (!expression) throw new Error('secrets.tf has no gateway/jwt-settings parameter made with jsonencode');
  return expression.replaceAll('\\"', '"');
}

/** Applies the variable with `value` and returns the parameter's value, or OpenTofu's error. */
function applyWith(expression: string, value: string): { settings?: string; error?: string } {
  if (!existsSync(tofu)) throw new Error(`${tofu} is missing: platform/tofu/install.sh builds it (bootstrap runs it)`);
  const dir = mkdtempSync(join(tmpdir(), 'tf-gateway-jwt-'));
  writeFileSync(join(dir, 'main.tf'), `${variableBlock}\n\noutput "settings" {\n  value = ${expression}\n}\n`);
  const env = { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', TF_IN_AUTOMATION: '1' };
  const apply = spawnSync(tofu, ['apply', '-auto-approve', '-input=false', '-no-color', `-var=gateway_jwt=${value}`], { cwd: dir, encoding: 'utf8', env });
  if (apply.status !== 0) return { error: apply.stderr.replace(/\s+/g, ' ') };
  return { settings: spawnSync(tofu, ['output', '-raw', 'settings'], { cwd: dir, encoding: 'utf8', env }).stdout };
}

test('the edge environment names the JWT settings file, and no JWT variable is set anywhere in the cloud layout', async () => {
  const userData = JSON.stringify((await loadTerraform()).locals.user_data);
  expect(userData).toContain('GATEWAY_JWT_SETTINGS_FILE');
  const firstBoot = readFileSync(join(TERRAFORM_DIR, '..', 'packer', 'files', 'platform-first-boot'), 'utf8');
  expect(firstBoot).toContain('ssm_to_file gateway/jwt-settings "$GATEWAY_JWT_SETTINGS_FILE"');
  for (const text of [userData, variables, firstBoot]) expect(text).not.toMatch(/GATEWAY_JWT_(ISSUER|AUDIENCE|CLOCK_TOLERANCE_MS)/);
});

test("the settings terraform stores are the file the gateway reads: issuer, audience and the tolerance's default", async () => {
  const { settings, error } = applyWith(await settingsExpression(), '{issuer="https://auth.example.com",audience="platform-gateway"}');
  expect(error).toBeUndefined();
  const dir = mkdtempSync(join(tmpdir(), 'jwt-settings-'));
  writeFileSync(join(dir, 'settings.json'), settings ?? '');
  writeFileSync(join(dir, 'secret'), 'a'.repeat(48));
  expect(readJwtSettings({ secretFile: join(dir, 'secret'), settingsFile: join(dir, 'settings.json') })).toMatchObject({ issuer: 'https://auth.example.com', audience: 'platform-gateway', clockToleranceMs: 5000 });
});

test('an issuer or audience the edge map cannot carry, or a tolerance out of range, stops the plan with what is wrong', async () => {
  const expression = await settingsExpression();
  expect(applyWith(expression, '{issuer="a;b",audience="x"}').error).toMatch(/gateway_jwt.issuer and gateway_jwt.audience must be 1-512 printable ASCII/);
  expect(applyWith(expression, '{issuer="a",audience="with space"}').error).toMatch(/without spaces, semicolons or backslashes/);
  expect(applyWith(expression, '{issuer="a",audience="b",clock_tolerance_ms=300001}').error).toMatch(/clock_tolerance_ms must be a whole number/);
  expect(applyWith(expression, '{issuer="a",audience="b",clock_tolerance_ms=0}').settings).toBe('{"audience":"b","clockToleranceMs":0,"issuer":"a"}');
});
