import path from 'node:path';
import { EnvReader, Environment, normaliseEmail, readSigningKeys, readSubgraphConfig, SigningKey, SubgraphConfig } from '@herck/common';
import { validUsername } from './modules/account/profile-rules';
import { MailLimits } from './modules/registration/mail-limits';

export interface AccountConfig extends SubgraphConfig {
  /** Signs the password-setup tokens that the auth subgraph accepts. */
  setupTokenKey: SigningKey;
  mail: { smtpUrl?: string; from: string; mailDir: string };
  /** Link sent in confirmation mail; `{token}` is replaced by the token. */
  confirmationUrl: string;
  /** Link sent in password-reset mail; `{token}` is replaced by a password-setup token. */
  passwordResetUrl: string;
  /** How long a pending registration lives, from the moment it was made (resending does not extend it). */
  confirmationTtlMinutes: number;
  mailLimits: MailLimits;
  passwordSetupTtlMinutes: number;
  /** The first admin, created or updated at start-up when an email is given. */
  /** `username` only when HERCK_ADMIN_USERNAME is set: then it is applied to an existing admin too. */
  admin?: { email: string; username?: string };
}

export function readAccountConfig(source: Environment = process.env): AccountConfig {
  const env = new EnvReader(source);
  const subgraph = readSubgraphConfig(env, 'account');
  const [setupTokenKey] = readSigningKeys(env, {
    envName: 'SETUP_TOKEN',
    devFile: 'setup-token.pem',
    dataDir: subgraph.dataDir,
    production: subgraph.production,
  });
  const adminEmail = readAdminEmail(env);
  // Checked whenever an admin is asked for, so a bad address and a bad name are named together.
  const adminUsername = source.HERCK_ADMIN_EMAIL ? readAdminUsername(env) : undefined;
  const smtpUrl = env.url('SMTP_URL', undefined, ['smtp', 'smtps']);
  // Without SMTP, mail (and its live links) lands in files: fine on a laptop, not in production.
  if (subgraph.production && !smtpUrl) env.problem('SMTP_URL', 'is required in production');
  // The gateway serves the pages the links open; on a laptop it is at localhost on its port. In production
  // the address users reach it at is not known here, and a link to localhost would reach nobody.
  const gatewayOrigin = `http://localhost:${env.port('GATEWAY_PORT', 4000)}`;
  const confirmationUrl = env.string('CONFIRMATION_URL', `${gatewayOrigin}/confirm-email?token={token}`);
  const passwordResetUrl = env.string('PASSWORD_RESET_URL', `${gatewayOrigin}/reset-password?token={token}`);
  if (subgraph.production && !source.CONFIRMATION_URL) env.problem('CONFIRMATION_URL', 'is required in production (the public address of the gateway\'s confirm-email page)');
  if (subgraph.production && !source.PASSWORD_RESET_URL) env.problem('PASSWORD_RESET_URL', 'is required in production (the public address of the gateway\'s reset-password page)');
  if (!confirmationUrl.includes('{token}')) env.problem('CONFIRMATION_URL', 'must contain {token}');
  if (!passwordResetUrl.includes('{token}')) env.problem('PASSWORD_RESET_URL', 'must contain {token}');
  return env.finish({
    ...subgraph,
    setupTokenKey: setupTokenKey!,
    mail: {
      smtpUrl,
      from: env.string('MAIL_FROM', 'Herck <no-reply@herck.local>'),
      mailDir: path.join(subgraph.dataDir, 'mail'),
    },
    confirmationUrl,
    passwordResetUrl,
    confirmationTtlMinutes: env.int('CONFIRMATION_TTL_MINUTES', 24 * 60, { min: 1 }),
    mailLimits: {
      perRecipientPerHour: env.int('MAIL_PER_RECIPIENT_PER_HOUR', 3, { min: 1, max: 1000 }),
      perClientPerHour: env.int('MAIL_REQUESTS_PER_CLIENT_PER_HOUR', 60, { min: 1, max: 100_000 }),
    },
    passwordSetupTtlMinutes: env.int('PASSWORD_SETUP_TTL_MINUTES', 30, { min: 1, max: 24 * 60 }),
    admin: adminEmail ? { email: adminEmail, username: adminUsername } : undefined,
  });
}

/** The first admin's address, checked as a registration's is: a bad one is a configuration problem, named with the others. */
function readAdminEmail(env: EnvReader): string | undefined {
  const raw = env.string('HERCK_ADMIN_EMAIL');
  if (raw === undefined) return undefined;
  try {
    return normaliseEmail(raw);
  } catch {
    env.problem('HERCK_ADMIN_EMAIL', `must be a valid email address, got "${raw}"`);
    return undefined;
  }
}

/** The configured admin username, held to the username rule here: refused at start-up, before any store is written. */
function readAdminUsername(env: EnvReader): string | undefined {
  const raw = env.string('HERCK_ADMIN_USERNAME');
  if (raw === undefined) return undefined;
  try {
    return validUsername(raw);
  } catch (error) {
    env.problem('HERCK_ADMIN_USERNAME', (error as Error).message.replace(/^Username /, ''));
    return undefined;
  }
}
