const REFUSAL =
  'jest --watch is not supported here: its workers keep the packages they loaded, so a rerun would test old code. Run `npx jest <file>` again instead (it compiles what changed).';

/**
 * Test files load the packages' compiled output with Node's own require, once per Jest worker
 * (compiled-sources.js), and watch mode keeps its workers from one run to the next: a rerun after
 * an edit would test the code as it was when the worker started. So watch mode is refused, plainly.
 *
 * Plainly means the run ends: Jest in watch mode reports an error thrown by the global setup and
 * then goes on waiting for changes, which would leave the terminal held by a run that cannot test.
 */
export function refuseWatchMode(globalConfig: { watch?: boolean; watchAll?: boolean }, end: (message: string) => never = endRun): void {
  if (globalConfig.watch || globalConfig.watchAll) end(REFUSAL);
}

function endRun(message: string): never {
  process.stderr.write(`\n${message}\n`);
  process.exit(1);
}
