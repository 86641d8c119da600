// The tests' environment: Node's, plus one duty at the end of each test file, after its own
// afterAll hooks: stop whatever the harness started that the file did not stop (stopped-at-end.ts).
const { TestEnvironment } = require('jest-environment-node');

const LEFTOVERS_KEY = '__platformTestLeftovers';

class PlatformTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async teardown() {
    const open = this.global[LEFTOVERS_KEY];
    if (open && open.size > 0) {
      const path = this.testPath;
      process.stderr.write(`${path}: stopping ${open.size} component(s) the file did not stop\n`);
      // Last started first, as a file's own afterAll would: services before the load balancers, Consul last.
      for (const stop of [...open].reverse()) {
        await stop().catch((err) => process.stderr.write(`  could not stop one: ${err instanceof Error ? err.message : String(err)}\n`));
      }
    }
    await super.teardown();
  }
}

module.exports = PlatformTestEnvironment;
