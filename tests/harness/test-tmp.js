// Jest's global setup: the run's temporary folder (run-tmp.ts, shared with the benchmarks; built
// with the tests). The workers are started after it and inherit its TMPDIR.
const { startRunTmp } = require('../dist/harness/run-tmp');

module.exports = async function createRunTmp() {
  startRunTmp('ptest-');
};
