const { rmSync } = require('node:fs');

// Prints the closing line CI reads: `N passed, N failed`. A suite that failed to run at all
// (a compile error, a crashed setup) counts as a failure, so it cannot pass unnoticed.
// The run's temporary folder (test-tmp.js) is removed after a passing run, kept after a failing one.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const runTmp = process.env.PLATFORM_TEST_RUN_TMP;
    if (runTmp && failed === 0) rmSync(runTmp, { recursive: true, force: true });
    else if (runTmp) process.stdout.write(`\nthe run's temporary files (service output, component logs) are kept in ${runTmp}\n`);
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed\n`);
  }
}
module.exports = SummaryReporter;
