import { parseRolloutRecord } from '../../platform/consul/src/rollout-record';

const good = { service: 'users', candidate: '1.4.0-3f9a2c1', weight: 20, strategy: 'canary', updatedAt: '2026-12-02T08:00:00.000Z' };

describe('parseRolloutRecord', () => {
  it('accepts the record a deploy writes', () => {
    expect(parseRolloutRecord(JSON.stringify(good))).toEqual(good);
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['a service name with a newline', JSON.stringify({ ...good, service: 'users\nbackend x' })],
    ['a release with a space', JSON.stringify({ ...good, candidate: '1.4.0 3f9a2c1' })],
    ['a weight above 100', JSON.stringify({ ...good, weight: 101 })],
    ['a fractional weight', JSON.stringify({ ...good, weight: 2.5 })],
    ['an unknown strategy', JSON.stringify({ ...good, strategy: 'yolo' })],
    ['no date', JSON.stringify({ ...good, updatedAt: 'soon' })],
  ])('refuses %s with PLATFORM_ROLLOUT_RECORD', (_what, text) => {
    expect(() => parseRolloutRecord(text)).toThrow(expect.objectContaining({ code: 'PLATFORM_ROLLOUT_RECORD' }));
  });
});
