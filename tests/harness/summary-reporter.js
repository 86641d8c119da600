const { endRunTmp } = require('../dist/harness/run-tmp');

// Prints the closing line CI reads: `N passed, N failed`. A suite that failed to run at all
// (a compile error, a crashed setup) counts as a failure, so it cannot pass unnoticed.
// The run's temporary folder (run-tmp.ts) is removed after a passing run, kept after a failing one.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    endRunTmp(failed === 0, (line) => process.stdout.write(`\n${line}\n`));
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed\n`);
  }
}
module.exports = SummaryReporter;
