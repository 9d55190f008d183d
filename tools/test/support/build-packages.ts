import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Test files load the project's packages from their compiled output (support/compiled-sources.js), so a
 * run compiles first: `tsc -b` rebuilds only what changed (about half a second when nothing did),
 * and a type error stops the run here instead of testing yesterday's build.
 * Imported first by global-setup.ts, before anything that loads a package.
 */
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b'], { cwd: path.resolve(__dirname, '../../..'), stdio: 'inherit' });
