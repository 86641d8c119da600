const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

// The Kafka client (@platformatic/kafka) is an ES module that the kit require()s. Jest loads it
// only on Node >= 24.9 with --experimental-vm-modules (its require(esm) path), so a jest started any
// other way (`npx jest` on the machine's own node) starts itself again that way, on the platform's
// Node.js (platform/with-node), with the same arguments, and exits with its status.
const REQUIRE_ESM = '--experimental-vm-modules';
if (!process.execArgv.includes(REQUIRE_ESM)) {
  const jest = require.resolve('jest/bin/jest');
  const run = spawnSync(join(__dirname, 'platform/with-node'), ['node', REQUIRE_ESM, '--disable-warning=ExperimentalWarning', jest, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

/** One jest run for the whole repo: unit tests beside integration and e2e tests on real components. */
module.exports = {
  // Node's, stopping at the end of each file what the harness started and the file left running.
  testEnvironment: '<rootDir>/tests/harness/environment.js',
  // services/<name>/test: a service's own tests (platform new service writes them) run with the rest.
  roots: ['<rootDir>/tests', '<rootDir>/services'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tests/tsconfig.json' }] },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/tests/dist/'],
  // The CLI loads a command's implementation when it runs with import('../commands/x.js') (what
  // Node.js needs from the built files); tests run the TypeScript sources, where that is x.ts.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 180_000,
  maxWorkers: 2,
  setupFiles: ['<rootDir>/tests/harness/port-slice.js'],
  setupFilesAfterEnv: ['<rootDir>/tests/harness/setup-after-env.ts'],
  globalSetup: '<rootDir>/tests/harness/test-tmp.js',
  reporters: ['default', '<rootDir>/tests/harness/summary-reporter.js'],
};
