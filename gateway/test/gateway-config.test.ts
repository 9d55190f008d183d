import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@herck/common';
import { readGatewayConfig } from '../src/env';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    readGatewayConfig({ HERCK_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'herck-gateway-config-')), ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('the gateway configuration', () => {
  it('names a BODY_LIMIT that is no size, with every other problem', () => {
    expect(problemsOf({ BODY_LIMIT: '1mb' })).toEqual([]);
    expect(readGatewayConfig({ HERCK_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'herck-gateway-config-')), BODY_LIMIT: ' 2mb ' }).bodyLimit).toBe('2mb');
    for (const tooSmall of ['0', '512', '0.5kb']) expect(problemsOf({ BODY_LIMIT: tooSmall })).toEqual([expect.stringMatching(/^BODY_LIMIT must be a size of at least 1kb/)]);
    const problems = problemsOf({ BODY_LIMIT: 'banana', MAX_DEPTH: 'x' });
    expect(problems).toHaveLength(2);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^MAX_DEPTH /), expect.stringMatching(/^BODY_LIMIT must be a size/)]));
  });

  it("allows the gateway's own pages by default wherever it listens, as Sandbox's subscriptions need", () => {
    const config = (env: Record<string, string>) => readGatewayConfig({ HERCK_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'herck-gateway-config-')), ...env });
    expect(config({}).corsOrigins).toEqual(['https://studio.apollographql.com', 'http://localhost:4000', 'http://127.0.0.1:4000']);
    expect(config({ GATEWAY_PORT: '5000' }).corsOrigins).toEqual(['https://studio.apollographql.com', 'http://localhost:5000', 'http://127.0.0.1:5000']);
    expect(config({ GATEWAY_PORT: '5000', CORS_ORIGINS: 'https://app.example.com' }).corsOrigins).toEqual(['https://app.example.com']);
  });
});
