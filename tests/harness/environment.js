// The tests' environment: Node's, plus the work registered for the end of each test file
// (file-end.ts: the components a file did not stop, its turn on the machine), run after the
// file's own afterAll hooks, last registered first.
const { TestEnvironment } = require('jest-environment-node');

const AT_FILE_END_KEY = '__platformAtFileEnd';

class PlatformTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async teardown() {
    const tasks = [...(this.global[AT_FILE_END_KEY] ?? [])].reverse();
    for (const task of tasks) {
      try {
        await task();
      } catch (err) {
        process.stderr.write(`${this.testPath}: at its end: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
    await super.teardown();
  }
}

module.exports = PlatformTestEnvironment;
