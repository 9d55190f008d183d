import { startTestPlatform } from './support/platform';

/** Servers listening in this process (the services a platform starts, its SMTP mailbox). */
const listening = () => process.getActiveResourcesInfo().filter((resource) => resource === 'TCPServerWrap').length;

it('a test platform that cannot start says why and leaves nothing running, so Jest can end', async () => {
  const before = listening();
  // Auth refuses this setting as it reads it, while account (started beside it) comes up.
  await expect(startTestPlatform({ ACCESS_TOKEN_TTL_SECONDS: '5' })).rejects.toThrow(/ACCESS_TOKEN_TTL_SECONDS/);
  expect(listening()).toBe(before);
});
