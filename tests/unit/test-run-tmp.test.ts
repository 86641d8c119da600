import { tmpdir } from 'node:os';

test('a test run writes its temporary files under the run folder the summary reporter removes', () => {
  const runTmp = process.env.PLATFORM_TEST_RUN_TMP;
  expect(runTmp).toMatch(/ptest-/);
  expect(tmpdir()).toBe(runTmp);
});
