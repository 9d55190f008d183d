/** The Jest environment's guard (support/compiled-sources-environment.js): a test file's environment variables end with it. */
const CompiledSourcesEnvironment = require('./support/compiled-sources-environment.js');

const projectConfig = { testEnvironmentOptions: {}, globals: {}, fakeTimers: {} };

async function fileRun(body: () => void): Promise<string[]> {
  const warnings: string[] = [];
  const warn = jest.spyOn(console, 'warn').mockImplementation((message: string) => void warnings.push(message));
  const environment = new CompiledSourcesEnvironment({ projectConfig, globalConfig: {} }, { console, docblockPragmas: {}, testPath: `${process.cwd()}/tools/test/leaky.e2e.test.ts` });
  await environment.setup();
  try {
    body();
  } finally {
    await environment.teardown();
    warn.mockRestore();
  }
  return warnings;
}

afterEach(() => {
  delete process.env.HERCK_GUARD_ADDED;
  delete process.env.HERCK_GUARD_KEPT;
});

it('puts back what a file set, changed or deleted in process.env, naming them in a warning', async () => {
  process.env.HERCK_GUARD_KEPT = 'before';
  const warnings = await fileRun(() => {
    process.env.HERCK_GUARD_ADDED = 'leaked';
    process.env.HERCK_GUARD_KEPT = 'changed';
    delete process.env.DATABASE_URL;
  });
  expect(process.env.HERCK_GUARD_ADDED).toBeUndefined();
  expect(process.env.HERCK_GUARD_KEPT).toBe('before');
  expect(process.env.DATABASE_URL).toBeDefined();
  expect(warnings).toEqual([expect.stringMatching(/^tools\/test\/leaky\.e2e\.test\.ts left process\.env changed \(HERCK_GUARD_ADDED, DATABASE_URL, HERCK_GUARD_KEPT\)/)]);
});

it('says nothing of a file that changed nothing, or only what the gateway sets at each start', async () => {
  expect(await fileRun(() => undefined)).toEqual([]);
  const hadTelemetry = process.env.APOLLO_TELEMETRY_DISABLED;
  delete process.env.APOLLO_TELEMETRY_DISABLED;
  expect(await fileRun(() => (process.env.APOLLO_TELEMETRY_DISABLED = 'true'))).toEqual([]);
  if (hadTelemetry !== undefined) process.env.APOLLO_TELEMETRY_DISABLED = hadTelemetry;
});
