const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../../..');
/** What a file's output depends on besides its path: this transform itself (not the source, which is compiled by tsc). */
const TRANSFORM = fs.readFileSync(__filename);

/**
 * Jest transform for the packages' own sources (`<package>/src/**.ts`): a test gets the file's
 * compiled output (`<package>/dist/src/**.js`, which global-setup.ts brings up to date first),
 * loaded by Node's own require (compiled-sources-environment.js) instead of into Jest's registry.
 *
 * Jest gives every test file a fresh registry, in which loading the platform's modules took
 * 2.3–3.3 s of CPU per file; Node loads them once per Jest worker. And a test shares each module
 * with the platform it starts: one class per error, one entity per table (installed packages
 * that cross between the two are shared through shared-packages/).
 */
module.exports = {
  getCacheKey(_source, file) {
    return crypto.createHash('sha256').update(TRANSFORM).update(file).digest('hex');
  },
  process(_source, file) {
    const source = /^(common|gateway|tools|subgraphs\/[^/]+)\/src\/(.+)\.ts$/.exec(path.relative(root, file).split(path.sep).join('/'));
    if (!source) throw new Error(`compiled-sources: not a package's source file: ${file}`);
    const compiled = path.join(root, source[1], 'dist/src', `${source[2]}.js`);
    // Jest's global setup has no test environment: its require is Node's already.
    return { code: `module.exports = (globalThis.herckNodeRequire ?? require)(${JSON.stringify(compiled)});` };
  },
};
