import crypto, { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InternalTokenSigner, INTERNAL_TOKEN_HEADER, Logger, RunningSubgraph, signingKeyFrom, testEnvironment, TestEnvironment } from '@herck/common';
import { readAccountConfig, startAccountService } from '../src';
import { Account, AccountStatus } from '../src/modules/account/account.entity';

let environment: TestEnvironment;
let service: RunningSubgraph;
let asGateway: (query: string, variables?: object) => Promise<{ data?: Record<string, unknown>; errors?: { path?: (string | number)[]; extensions?: { code?: string } }[] }>;

beforeAll(async () => {
  environment = testEnvironment();
  service = await startAccountService(readAccountConfig(environment.env), new Logger('account', 'error'), { mailer: { send: async () => undefined } });
  const keyFile = path.join(environment.env.HERCK_DATA_DIR!, 'keys', 'internal-token.pem');
  const signer = new InternalTokenSigner(signingKeyFrom(crypto.createPrivateKey(fs.readFileSync(keyFile, 'utf8'))));
  asGateway = async (query, variables) => {
    const response = await fetch(service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: signer.sign({ accountId: null, roles: [] }, 'account') },
      body: JSON.stringify({ query, variables }),
    });
    return response.json() as never;
  };
});
afterAll(async () => {
  await service?.stop();
  await environment?.cleanUp();
});

describe('account subgraph: Account entity', () => {
  it('resolves references by id, and unknown or malformed ids to null with NOT_FOUND (an account deleted a moment ago: the gateway then says so)', async () => {
    const em = service.runtime.orm.em.fork();
    const account = em.create(Account, { username: 'entity', email: 'entity@example.com', firstName: 'E', lastName: 'N', status: AccountStatus.ACTIVE });
    await em.flush();
    const result = await asGateway(
      'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Account { id username status } } }',
      {
        representations: [
          { __typename: 'Account', id: account.id },
          { __typename: 'Account', id: randomUUID() },
          { __typename: 'Account', id: 'not-a-uuid' },
        ],
      },
    );
    expect(result.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([
      ['NOT_FOUND', ['_entities', 1]],
      ['NOT_FOUND', ['_entities', 2]],
    ]);
    expect(result.data?._entities).toEqual([{ id: account.id, username: 'entity', status: 'ACTIVE' }, null, null]);
  });

  it('publishes its SDL with the role directive for composition', async () => {
    const result = await asGateway('{ _service { sdl } }');
    expect(result.data?._service).toEqual({ sdl: expect.stringContaining('@requiresRole(roles: ["ADMIN"])') });
  });

  it('checks roles itself too: an anonymous identity cannot list accounts even past the gateway', async () => {
    const result = await asGateway('{ accounts { totalCount } }');
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});
