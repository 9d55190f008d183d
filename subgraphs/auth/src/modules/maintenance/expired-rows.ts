import { EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@herck/common';
import { UsedSetupToken } from '../credential/used-setup-token.entity';
import { RefreshToken } from '../session/refresh-token.entity';

/** Revoked refresh tokens are kept this long after revocation, for investigating an incident. */
const REVOKED_KEPT_MS = 24 * 3600_000;

/**
 * Deletes what can no longer be used: spent setup tokens past their expiry
 * (the signature check refuses them anyway) and refresh tokens that expired or
 * were revoked a day ago (an unknown token is refused like a revoked one).
 */
export async function deleteExpiredAuthRows(em: EntityManager, logger: Logger, now = new Date()): Promise<void> {
  const setupTokens = await em.nativeDelete(UsedSetupToken, { expiresAt: { $lt: now } });
  const refreshTokens = await em.nativeDelete(RefreshToken, {
    $or: [{ expiresAt: { $lt: now } }, { revokedAt: { $lt: new Date(now.getTime() - REVOKED_KEPT_MS) } }],
  });
  if (setupTokens || refreshTokens) logger.info('expired tokens deleted', { setupTokens, refreshTokens });
}
