import { normalisePath, normaliseUrl } from '@platform/gateway/dist/proxy/normalise-path';

test('escaped unreserved characters are decoded and other escapes upper-cased, so one path has one form', () => {
  expect(normalisePath('/%75sers/%7e%61lice')).toBe('/users/~alice');
  expect(normalisePath('/users/a%2fb%3b')).toBe('/users/a%2Fb%3B');
  expect(normalisePath('/users/%41-%5F.%30')).toBe('/users/A-_.0');
  // Reserved and non-ASCII escapes keep their meaning: %2F stays inside one segment.
  expect(normalisePath('/users/%E2%82%AC%20x')).toBe('/users/%E2%82%AC%20x');
  expect(normalisePath('//users;v=1//x')).toBe('//users;v=1//x');
});

test.each([
  ['/users/%2e%2e/orders', '"." or ".."'],
  ['/users/%2E/x', '"." or ".."'],
  ['/users/..%2Forders', '"." or ".."'],
  ['/users/..%5Corders', '"." or ".."'],
  ['/users/./x', '"." or ".."'],
  ['/users/%zz', 'percent-encoding'],
  ['/users/%4', 'percent-encoding'],
  ['/users/%', 'percent-encoding'],
  ['/users/%C0%AF', 'percent-encoding'],
  ['/users/a#frag', '"#"'],
])('%s is refused with a 400 naming the rule', (path, rule) => {
  expect(() => normalisePath(path)).toThrow(expect.objectContaining({ status: 400, message: expect.stringContaining(rule) }));
});

test('the query is kept as sent, and a fragment after it is refused too', () => {
  expect(normaliseUrl('/%75sers/1?q=%7e&x=%2f')).toEqual({ path: '/users/1', query: '?q=%7e&x=%2f' });
  expect(normaliseUrl('/users')).toEqual({ path: '/users', query: '' });
  expect(() => normaliseUrl('/users?q=1#x')).toThrow(expect.objectContaining({ status: 400 }));
});
