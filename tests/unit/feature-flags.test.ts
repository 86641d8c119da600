import { FLAGS_KV_ROOT as ACL_FLAGS_ROOT } from '@platform/consul';
import { createServiceMetrics, FeatureFlags, FLAGS_KV_ROOT, flagBucket, flagValueFromWord, formatFlagValue, inRollout, parseFlagValue, requestContext, type Logger } from '@platform/service-kit';

interface Logged {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

function flagSet(): { flags: FeatureFlags; logged: Logged[]; metricsText: () => Promise<string> } {
  const logged: Logged[] = [];
  const record = (level: string) => (message: string, fields: Record<string, unknown> = {}) => logged.push({ level, message, fields });
  const logger = { info: record('info'), warn: record('warn') } as unknown as Logger;
  const metrics = createServiceMetrics({ service: 't', instance: 't-1' });
  return { flags: new FeatureFlags(logger, metrics), logged, metricsText: () => metrics.registry.metrics() };
}

const entry = (name: string, value: string, modifyIndex: number) => ({ Key: `${FLAGS_KV_ROOT}${name}`, Value: Buffer.from(value).toString('base64'), ModifyIndex: modifyIndex });

const ids = Array.from({ length: 10_000 }, (_, i) => `client-${i}`);

test('a 30 % flag gives the same answer for the same client id every time, and is on for 28-32 % of 10,000 ids', () => {
  const first = ids.map((id) => inRollout('new-checkout', id, 30));
  for (let round = 0; round < 3; round += 1) expect(ids.map((id) => inRollout('new-checkout', id, 30))).toEqual(first);
  const share = first.filter(Boolean).length / ids.length;
  expect(share).toBeGreaterThanOrEqual(0.28);
  expect(share).toBeLessThanOrEqual(0.32);
  // A fixed bucket pins the hash itself: another process, machine or release computes the same.
  expect(flagBucket('new-checkout', 'alice')).toBe(4082);
});

test('raising a percentage only adds clients, and two flags at 30 % pick different clients', () => {
  const at30 = ids.filter((id) => inRollout('a-flag', id, 30));
  expect(at30.every((id) => inRollout('a-flag', id, 50))).toBe(true);
  const other = new Set(ids.filter((id) => inRollout('b-flag', id, 30)));
  const overlap = at30.filter((id) => other.has(id)).length / at30.length;
  expect(overlap).toBeGreaterThan(0.2);
  expect(overlap).toBeLessThan(0.4);
  expect(ids.some((id) => inRollout('a-flag', id, 0))).toBe(false);
  expect(ids.every((id) => inRollout('a-flag', id, 100))).toBe(true);
});

test('flag values parse only in their two shapes, and the words an operator types map onto them', () => {
  expect(parseFlagValue('{"type":"boolean","on":true}')).toEqual({ type: 'boolean', on: true });
  expect(parseFlagValue('{"type":"percentage","percent":30}')).toEqual({ type: 'percentage', percent: 30 });
  for (const bad of ['', 'on', '[]', 'null', '{"type":"boolean","on":"yes"}', '{"type":"percentage","percent":101}', '{"type":"percentage","percent":2.5}', '{"type":"ratio","percent":3}']) {
    expect(() => parseFlagValue(bad)).toThrow(/the|is/);
  }
  expect(flagValueFromWord('on')).toEqual({ type: 'boolean', on: true });
  expect(flagValueFromWord('off')).toEqual({ type: 'boolean', on: false });
  expect(flagValueFromWord('30%')).toEqual({ type: 'percentage', percent: 30 });
  for (const bad of ['30', '101%', '-1%', '3.5%', 'yes', '']) expect(flagValueFromWord(bad)).toBeUndefined();
  expect(formatFlagValue({ type: 'percentage', percent: 30 })).toBe('{"type":"percentage","percent":30}');
});

test("the kit's flag prefix is the one the Consul tokens may read", () => {
  expect(FLAGS_KV_ROOT).toBe(ACL_FLAGS_ROOT);
});

test('a change is logged with the Consul index, a bad record keeps the last good value and is logged once, a removal falls back to the default', async () => {
  const { flags, logged, metricsText } = flagSet();
  expect(flags.enabled('new-checkout')).toBe(false);
  expect(flags.enabled('new-checkout', { default: true })).toBe(true);

  flags.apply([entry('new-checkout', '{"type":"boolean","on":true}', 5)], '5');
  expect(flags.enabled('new-checkout')).toBe(true);
  expect(logged).toEqual([{ level: 'info', message: 'feature flag changed', fields: { flag: 'new-checkout', from: 'none', to: 'on', 'consul.index': '5' } }]);

  logged.length = 0;
  flags.apply([entry('new-checkout', '{"type":"boolean","on":"maybe"}', 7), entry('Bad Name', '{"type":"boolean","on":true}', 6)], '7');
  flags.apply([entry('new-checkout', '{"type":"boolean","on":"maybe"}', 7), entry('Bad Name', '{"type":"boolean","on":true}', 6), entry('other', '{"type":"percentage","percent":10}', 8)], '8');
  expect(flags.enabled('new-checkout')).toBe(true);
  expect(logged.filter((l) => l.level === 'warn').map((l) => [l.fields.flag, l.fields.kept, l.fields['consul.index']])).toEqual([
    ['new-checkout', 'on', '7'],
    ['"Bad Name"', 'none', '7'],
  ]);
  expect(flags.list()).toEqual({ 'new-checkout': { type: 'boolean', on: true }, other: { type: 'percentage', percent: 10 } });
  expect(await metricsText()).toMatch(/kit_feature_flag_percent\{flag="other",service="t",instance="t-1"\} 10/);

  flags.apply([entry('other', '{"type":"percentage","percent":10}', 8)], '9');
  expect(flags.enabled('new-checkout')).toBe(false);
  expect(logged.at(-1)).toEqual({ level: 'info', message: 'feature flag removed', fields: { flag: 'new-checkout', from: 'on', 'consul.index': '9' } });
  expect(await metricsText()).toMatch(/kit_feature_flag_evaluations_total\{flag="new-checkout",result="on",service="t",instance="t-1"\} 3/);
});

test("a percentage flag answers by the current request's client id, or by the one given; without any it is on only at 100 %", () => {
  const { flags } = flagSet();
  flags.apply([entry('half', '{"type":"percentage","percent":50}', 3)], '3');
  const inside = ids.find((id) => inRollout('half', id, 50))!;
  const outside = ids.find((id) => !inRollout('half', id, 50))!;
  const context = (clientId: string) => requestContext.fromHeaders({ 'x-client-id': clientId });
  expect(requestContext.run(context(inside), () => flags.enabled('half'))).toBe(true);
  expect(requestContext.run(context(outside), () => flags.enabled('half'))).toBe(false);
  expect(requestContext.run(context(outside), () => flags.enabled('half', { clientId: inside }))).toBe(true);
  expect(flags.enabled('half')).toBe(false);
  expect(() => flags.enabled('Not A Name')).toThrow(/not a feature flag name/);
});
