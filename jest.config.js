/** One jest run for the whole repo: unit tests beside integration and e2e tests on real components. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tests/tsconfig.json' }] },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/tests/dist/'],
  testTimeout: 180_000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/tests/harness/summary-reporter.js'],
};
