const path = require('node:path');
const NodeEnvironment = require('jest-environment-node').TestEnvironment;

/**
 * Jest's node environment, handing test files Node's own require for the packages' compiled
 * output (compiled-sources.js), the process's own environment variables (a test that sets one
 * for the platform it starts must set it where the platform's modules read it), and Node's
 * constructors of dates, collections and errors.
 *
 * Test files of one worker share those environment variables and the packages' modules, so what one
 * file leaves behind reaches the next: at a file's end its environment variables are put back as they
 * were at its start, with a warning naming what it changed (jest.spyOn's spies are restored by Jest
 * itself then, before this teardown).
 */
const SHARED_CONSTRUCTORS = ['Date', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError'];

class CompiledSourcesEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.herckNodeRequire = require;
    this.global.process.env = process.env;
    // Node's own constructors, so that what a test makes with them passes the platform's `instanceof` checks
    // (MikroORM's for a Date, a log line's for an Error) and Jest compares them with what the platform makes.
    for (const name of SHARED_CONSTRUCTORS) this.global[name] = globalThis[name];
    this.testPath = context.testPath;
  }

  async setup() {
    await super.setup();
    this.environmentAtStart = { ...process.env };
  }

  async teardown() {
    const changed = restoreEnvironment(this.environmentAtStart).filter((name) => !SET_BY_THE_PLATFORM.has(name));
    if (changed.length > 0) {
      console.warn(`${path.relative(process.cwd(), this.testPath)} left process.env changed (${changed.join(', ')}): restored for the next test file of this worker; restore it in the file's afterAll`);
    }
    await super.teardown();
  }
}

/** Variables the platform's own code sets, at each start and to the same value (the gateway's APOLLO_TELEMETRY_DISABLED): no test's doing. */
const SET_BY_THE_PLATFORM = new Set(['APOLLO_TELEMETRY_DISABLED']);

/** Puts process.env back as `before` had it (in place: the platform's modules hold process.env itself); the names it changed. */
function restoreEnvironment(before) {
  const changed = [];
  for (const name of Object.keys(process.env)) {
    if (!(name in before)) {
      delete process.env[name];
      changed.push(name);
    }
  }
  for (const [name, value] of Object.entries(before)) {
    if (process.env[name] !== value) {
      process.env[name] = value;
      changed.push(name);
    }
  }
  return changed;
}

// Stack traces through the compiled packages name their TypeScript sources.
process.setSourceMapsEnabled(true);

module.exports = CompiledSourcesEnvironment;
