const fs = require('node:fs');

/**
 * Ends the run with one plain line, "N passed, N failed" (", N skipped" when
 * some were), that tools reading test output understand. Written as the
 * process exits, so it comes after Jest's own summary.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    process.once('exit', () => fs.writeSync(2, `\n${line}\n`));
  }
}

module.exports = SummaryReporter;
