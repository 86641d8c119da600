// The tests' environment: Node's, plus the work registered for the end of each test file
// (file-end.ts: the components a file did not stop, its turn on the machine), run after the
// file's own afterAll hooks, last registered first.
const { TestEnvironment } = require('jest-environment-node');

// The one runner of those tasks, shared with the benchmarks (built with the tests: the tests import dist too).
const { runFileEndTasks } = require('../dist/harness/file-end');

class PlatformTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async teardown() {
    await runFileEndTasks(this.global, (message) => process.stderr.write(`${this.testPath}: at its end: ${message}\n`));
    await super.teardown();
  }
}

module.exports = PlatformTestEnvironment;
