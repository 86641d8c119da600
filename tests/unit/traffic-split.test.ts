import type { WatchedInstance } from '@platform/service-kit';
import type { RolloutRecord } from '../../platform/consul/src/rollout-record';
import { parseRolloutEntries, type KvEntry } from '../../platform/haproxy/src/rollout-watch';
import { replaceMap } from '../../platform/haproxy/src/runtime-api';
import { bucketOf, deferLeaving, effectiveWeights, mapEntries, planSplits, sideOf } from '../../platform/haproxy/src/split-plan';
import { renderSplitRules } from '../../platform/haproxy/src/split-rules';

const record = (weight: number, candidate = '1.1.0-bbbbbbb'): RolloutRecord => ({ service: 'shop', candidate, weight, strategy: 'canary', updatedAt: '2026-12-02T08:00:00.000Z' });
const instance = (id: string, release: string | undefined, health: WatchedInstance['health'] = 'passing'): WatchedInstance => ({
  id,
  service: 'shop',
  node: 'n1',
  address: '127.0.0.1',
  port: 4000,
  tags: [],
  meta: release ? { release } : {},
  health,
});
const kv = (key: string, value: unknown, modifyIndex = 7): KvEntry => ({ Key: key, Value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64'), ModifyIndex: modifyIndex });

describe('buckets', () => {
  test('a client id always lands in the same bucket, 0-99, the CRC-32 HAProxy computes', () => {
    expect(bucketOf('alice')).toBe(bucketOf('alice'));
    // The standard CRC-32 (zlib's, Python's zlib.crc32) of "alice" is 0x278ebc47 = 663665735.
    expect(bucketOf('alice')).toBe(35);
    for (let i = 0; i < 1_000; i += 1) expect(bucketOf(`c-${i}`)).toBeGreaterThanOrEqual(0);
  });

  test('buckets spread evenly enough: 10,000 ids put about a fifth below 20', () => {
    const below = Array.from({ length: 10_000 }, (_, i) => bucketOf(`client-${i}`)).filter((b) => b < 20).length;
    expect(below / 10_000).toBeGreaterThan(0.18);
    expect(below / 10_000).toBeLessThan(0.22);
  });
});

describe('the split plan', () => {
  test('instances of the candidate release are the candidate side; every other one, with or without a release, is stable', () => {
    expect(sideOf(instance('a', '1.1.0-bbbbbbb'), record(20))).toBe('candidate');
    expect(sideOf(instance('b', '1.0.0-aaaaaaa'), record(20))).toBe('stable');
    expect(sideOf(instance('c', undefined), record(20))).toBe('stable');
    expect(sideOf(instance('a', '1.1.0-bbbbbbb'), undefined)).toBe('stable');
  });

  test('a side with no routable instance sends everyone, forced or not, to the other', () => {
    expect(effectiveWeights(20, { candidate: 1, stable: 2 })).toEqual({ normal: 20, always: 100, never: 0 });
    expect(effectiveWeights(20, { candidate: 0, stable: 2 })).toEqual({ normal: 0, always: 0, never: 0 });
    expect(effectiveWeights(20, { candidate: 1, stable: 0 })).toEqual({ normal: 100, always: 100, never: 100 });
    expect(effectiveWeights(20, { candidate: 0, stable: 0 })).toEqual({ normal: 0, always: 0, never: 0 });
  });

  test('only services with a record and a backend here are split; critical and maintenance instances are not routable', () => {
    const services = new Map([
      ['shop', [instance('a', '1.0.0-aaaaaaa'), instance('b', '1.0.0-aaaaaaa', 'critical'), instance('c', '1.1.0-bbbbbbb'), instance('d', '1.1.0-bbbbbbb', 'maintenance')]],
    ]);
    const [entry, ...rest] = planSplits(new Map([['shop', record(20)], ['other', { ...record(5), service: 'other' }]]), services, new Set(['shop']));
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ service: 'shop', weight: 20, routable: { candidate: 1, stable: 1 }, stableRelease: '1.0.0-aaaaaaa', effective: { normal: 20 } });
    expect(mapEntries(entry ? [entry] : [])).toEqual([['shop', '20:100:0:1.1.0-bbbbbbb:1.0.0-aaaaaaa']]);
  });

  test('a stable side of several releases (or none) is logged as "-"', () => {
    const services = new Map([['shop', [instance('a', '1.0.0-aaaaaaa'), instance('b', '0.9.0-ccccccc'), instance('c', '1.1.0-bbbbbbb')]]]);
    expect(planSplits(new Map([['shop', record(20)]]), services, new Set(['shop']))[0]?.stableRelease).toBe('-');
  });

  test('servers leaving rotation (moved, draining, failed, gone) leave after the new slots are filled; a freed slot filled again keeps its order', () => {
    const commands = [
      'set server svc_shop/s3 state maint',
      'set server svc_shop/s2 state maint',
      'set server svc_shop/s2 addr 127.0.0.1 port 4002',
      'set server svc_shop/s2 state ready',
      'set server cnd_shop/s1 addr 127.0.0.1 port 4003',
      'set server cnd_shop/s1 state ready',
      'set server svc_shop/s4 state drain',
    ];
    const { first, last } = deferLeaving(commands, new Set(['svc_shop/s3', 'svc_shop/s2', 'svc_shop/s4']));
    expect(last).toEqual(['set server svc_shop/s3 state maint', 'set server svc_shop/s4 state drain']);
    expect(first).toEqual(commands.filter((c) => !last.includes(c)));
  });
});

describe('reading the rollout records', () => {
  test('valid records are kept by service; bad JSON, a bad weight or release, an empty value and a key naming another service are rejected with the reason', () => {
    const good = record(20);
    const { records, rejected } = parseRolloutEntries([
      kv('platform/rollouts/shop', good),
      kv('platform/rollouts/a', '{"service":'),
      kv('platform/rollouts/b', { ...good, service: 'b', weight: 1000 }),
      kv('platform/rollouts/c', { ...good, service: 'c', candidate: '1.1.0-bbbbbbb\nset server x' }),
      kv('platform/rollouts/d', null),
      kv('platform/rollouts/evil', { ...good, service: 'shop' }),
      kv('platform/rollouts/e', { ...good, service: 'e\n  use_backend x' }),
    ]);
    expect([...records.keys()]).toEqual(['shop']);
    expect(rejected.map((r) => [r.key, r.reason])).toEqual([
      ['platform/rollouts/a', 'the rollout record is not JSON'],
      ['platform/rollouts/b', 'the rollout record weight is not an integer 0-100'],
      ['platform/rollouts/c', 'the rollout record has no valid candidate release'],
      ['platform/rollouts/d', 'the record is empty'],
      ['platform/rollouts/evil', 'the key does not name the service the record is for'],
      ['platform/rollouts/e', 'the rollout record has no valid service'],
    ]);
  });
});

describe('the HAProxy side', () => {
  test('only the edge sets the bucket cookie, HttpOnly and SameSite=Lax, Secure over TLS', () => {
    const edge = renderSplitRules({ mapFile: '/s/splits.map', serviceVar: 'txn.service', client: 'var(txn.client)', cookie: true }).join('\n');
    const internal = renderSplitRules({ mapFile: '/s/splits.map', serviceVar: 'txn.target', client: 'req.hdr(x-client-id)', cookie: false }).join('\n');
    expect(edge).toMatch(/set-cookie "platform_bucket=%\[var\(txn.bucket\)\]; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure" if .* \{ ssl_fc \}/);
    expect(internal).not.toMatch(/cookie/);
    expect(internal).toContain('req.hdr(x-client-id),crc32,mod(100)');
  });

  test('a map entry the map syntax cannot carry is refused before anything is sent', async () => {
    await expect(replaceMap('/nonexistent.sock', '/s/splits.map', [['shop', '20:100:0:1.0 x:-']])).rejects.toThrow(/unexpected map entry/);
    await expect(replaceMap('/nonexistent.sock', '/s/splits.map', [['shop;show', '1']])).rejects.toThrow(/unexpected map entry/);
    await expect(replaceMap('/nonexistent.sock', 'relative.map', [])).rejects.toThrow(/map file/);
  });
});
