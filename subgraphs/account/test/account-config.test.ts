import { createPublicKey } from 'node:crypto';
import { generateKeyPem } from '@herck/common';
import { readAccountConfig } from '../src';

describe('account configuration', () => {
  it('requires SMTP_URL in production, where mail files would hold live links', () => {
    const internalKey = createPublicKey(generateKeyPem()).export({ format: 'pem', type: 'spki' }).toString();
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/postgres', SETUP_TOKEN_PRIVATE_KEY: generateKeyPem(), INTERNAL_TOKEN_PUBLIC_KEY: internalKey };
    expect(() => readAccountConfig(production)).toThrow(/SMTP_URL is required in production/);
    expect(readAccountConfig({ ...production, SMTP_URL: 'smtp://mail.example.com:587' }).mail.smtpUrl).toBe('smtp://mail.example.com:587');
  });
});
