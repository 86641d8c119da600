// One temporary folder per test run: every file the run's tests and the processes they start write
// under os.tmpdir() (Consul, PostgreSQL and OpenSearch data, service output, whole cloud-node
// layouts of ~350 MB each) lands in it, and the summary reporter removes it when the run passed.
// Without it, each run left gigabytes behind in /tmp (a developer machine's disk filled up after a
// few dozen runs). A failed run keeps its folder for reading, and says where it is.
const { chmodSync, mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async function createRunTmp() {
  const root = mkdtempSync(join(tmpdir(), 'ptest-'));
  // Components run as their own unprivileged users and must pass through it (as through /tmp),
  // not list it.
  chmodSync(root, 0o711);
  // The workers are started after global setup and inherit this environment, and os.tmpdir()
  // reads TMPDIR: the tests, the harness and every child process write under `root`.
  process.env.PLATFORM_TEST_RUN_TMP = root;
  process.env.TMPDIR = root;
};
