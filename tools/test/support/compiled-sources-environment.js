const NodeEnvironment = require('jest-environment-node').TestEnvironment;

/**
 * Jest's node environment, handing test files Node's own require for the packages' compiled
 * output (compiled-sources.js), the process's own environment variables (a test that sets one
 * for the platform it starts must set it where the platform's modules read it), and Node's
 * constructors of dates, collections and errors.
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
  }
}

// Stack traces through the compiled packages name their TypeScript sources.
process.setSourceMapsEnabled(true);

module.exports = CompiledSourcesEnvironment;
