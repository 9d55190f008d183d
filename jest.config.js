/** One Jest run over every workspace (`npm test`); see README "Two commands" and "Development". */
module.exports = {
  testEnvironment: '<rootDir>/tools/test/support/compiled-sources-environment.js',
  transform: {
    // The packages' sources are their compiled output, loaded by Node once per worker (tools/test/support/compiled-sources.js).
    '^.+/(common|gateway|tools|subgraphs/[^/]+)/src/.+\\.ts$': '<rootDir>/tools/test/support/compiled-sources.js',
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }],
    // ESM-only packages: Node loads them with require() (20.19+), Jest's own loader cannot, so they are compiled to CommonJS here.
    '/node_modules/(trading-signals|@marcbachmann/cel-js)/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' }, diagnostics: false, isolatedModules: true }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(trading-signals|@marcbachmann/cel-js)/)'],
  testMatch: ['<rootDir>/**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    // Installed packages whose objects pass between a test and its platform: the platform's copy (tools/test/support/shared-packages).
    '^(decimal\\.js|graphql|@apollo/(subgraph|server|server/plugin/disabled|composition|federation-internals)|@mikro-orm/(core|postgresql|knex|migrations))$': '<rootDir>/tools/test/support/shared-packages/$1.js',
    '^@herck/common$': '<rootDir>/common/src/index.ts',
    '^@herck/common/decimal$': '<rootDir>/common/src/decimal/index.ts',
    '^@herck/common/time$': '<rootDir>/common/src/time/candle-interval.ts',
    '^@herck/common/errors$': '<rootDir>/common/src/errors/app-errors.ts',
    '^@herck/common/input-rules$': '<rootDir>/common/src/validation/input-rules.ts',
    '^@herck/account$': '<rootDir>/subgraphs/account/src/index.ts',
    '^@herck/auth$': '<rootDir>/subgraphs/auth/src/index.ts',
    '^@herck/market$': '<rootDir>/subgraphs/market/src/index.ts',
    '^@herck/analysis$': '<rootDir>/subgraphs/analysis/src/index.ts',
    '^@herck/orders$': '<rootDir>/subgraphs/orders/src/index.ts',
    '^@herck/logs$': '<rootDir>/subgraphs/logs/src/index.ts',
    '^@herck/gateway$': '<rootDir>/gateway/src/index.ts',
  },
  globalSetup: '<rootDir>/tools/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/tools/test/support/global-teardown.ts',
  testTimeout: 60_000,
  // Three on two cores: much of an end-to-end test is waiting (rounds, token expiries, restarts), and a third
  // worker fills those waits (measured: 8.1 min with two, 6.0 with three, every test passing).
  maxWorkers: 3,
  reporters: ['default', '<rootDir>/tools/test/support/summary-reporter.js'],
};
