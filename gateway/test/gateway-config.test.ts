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
});
