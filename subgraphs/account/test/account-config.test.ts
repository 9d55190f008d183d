import { createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPem } from '@herck/common';
import { readAccountConfig } from '../src';

describe('account configuration', () => {
  it('requires SMTP_URL in production, where mail files would hold live links', () => {
    const internalKey = createPublicKey(generateKeyPem()).export({ format: 'pem', type: 'spki' }).toString();
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/postgres', SETUP_TOKEN_PRIVATE_KEY: generateKeyPem(), INTERNAL_TOKEN_PUBLIC_KEY: internalKey };
    const links = { CONFIRMATION_URL: 'https://herck.example/confirm-email?token={token}', PASSWORD_RESET_URL: 'https://herck.example/reset-password?token={token}' };
    expect(() => readAccountConfig({ ...production, ...links })).toThrow(/SMTP_URL is required in production/);
    expect(readAccountConfig({ ...production, ...links, SMTP_URL: 'smtp://mail.example.com:587' }).mail.smtpUrl).toBe('smtp://mail.example.com:587');
  });

  it('requires the mailed links in production, and points them at the gateway’s port otherwise', () => {
    const internalKey = createPublicKey(generateKeyPem()).export({ format: 'pem', type: 'spki' }).toString();
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/postgres', SETUP_TOKEN_PRIVATE_KEY: generateKeyPem(), INTERNAL_TOKEN_PUBLIC_KEY: internalKey, SMTP_URL: 'smtp://mail.example.com:587' };
    expect(() => readAccountConfig(production)).toThrow(/CONFIRMATION_URL is required in production/);
    expect(() => readAccountConfig({ ...production, CONFIRMATION_URL: 'https://herck.example/confirm-email?token={token}' })).toThrow(/PASSWORD_RESET_URL is required in production/);
    const development = readAccountConfig({ DATABASE_URL: 'postgres://db/postgres', GATEWAY_PORT: '4100', HERCK_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'herck-account-config-')) });
    expect([development.confirmationUrl, development.passwordResetUrl]).toEqual(['http://localhost:4100/confirm-email?token={token}', 'http://localhost:4100/reset-password?token={token}']);
  });

  it('refuses a HERCK_ADMIN_USERNAME no account could have, naming the variable, before anything is written', () => {
    const development = { DATABASE_URL: 'postgres://db/postgres', HERCK_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'herck-account-config-')), HERCK_ADMIN_EMAIL: 'ops@example.com' };
    expect(() => readAccountConfig({ ...development, HERCK_ADMIN_USERNAME: 'the admin' })).toThrow(/HERCK_ADMIN_USERNAME must be 3 to 64 Latin letters \(a–z, A–Z\), digits, dots, dashes or underscores/);
    expect(readAccountConfig({ ...development, HERCK_ADMIN_USERNAME: ' ops.admin ' }).admin).toEqual({ email: 'ops@example.com', username: 'ops.admin' });
    expect(readAccountConfig(development).admin).toEqual({ email: 'ops@example.com', username: undefined });
  });

  it('refuses a HERCK_ADMIN_EMAIL that is no address, naming the variable with the others', () => {
    const development = { DATABASE_URL: 'postgres://db/postgres', HERCK_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'herck-account-config-')) };
    expect(() => readAccountConfig({ ...development, HERCK_ADMIN_EMAIL: 'not-an-email', HERCK_ADMIN_USERNAME: 'the admin' })).toThrow(
      /HERCK_ADMIN_EMAIL must be a valid email address, got "not-an-email"[\s\S]*HERCK_ADMIN_USERNAME must be/,
    );
    expect(readAccountConfig({ ...development, HERCK_ADMIN_EMAIL: ' ops@example.com ' }).admin?.email).toBe('ops@example.com');
  });
});
