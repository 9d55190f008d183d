/**
 * Test files load the packages' compiled output with Node's own require, once per Jest worker
 * (compiled-sources.js), and watch mode keeps its workers from one run to the next: a rerun after
 * an edit would test the code as it was when the worker started. So watch mode is refused, plainly.
 */
export function refuseWatchMode(globalConfig: { watch?: boolean; watchAll?: boolean }): void {
  if (globalConfig.watch || globalConfig.watchAll) {
    throw new Error('jest --watch is not supported here: its workers keep the packages they loaded, so a rerun would test old code. Run `npx jest <file>` again instead (it compiles what changed).');
  }
}
