import { EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@herck/common';
import { UsedSetupToken } from '../credential/used-setup-token.entity';

/**
 * Deletes what can no longer be used: spent setup tokens past their expiry (the signature
 * check refuses them anyway), refresh tokens revoked `revokedKeepHours` ago (kept that long to
 * look into an incident; a revocation ends the whole family, and an unknown token is refused
 * like a revoked one), and the tokens of families none of whose tokens can be used any more.
 *
 * A token rotated away is kept while its family lives, even past its own expiry: presented
 * again, it shows the token leaked and ends the family (SessionService.refresh). The family's
 * newest token expires later than the ones it replaced, so their own expiry is not the bound.
 */
export async function deleteExpiredAuthRows(em: EntityManager, logger: Logger, revokedKeepHours: number, now = new Date()): Promise<void> {
  const setupTokens = await em.nativeDelete(UsedSetupToken, { expiresAt: { $lt: now } });
  const [{ count: refreshTokens }] = await em.execute<{ count: number }[]>(
    `WITH gone AS (
       DELETE FROM refresh_tokens t
        WHERE t.revoked_at < ?
           OR (t.expires_at < ? AND NOT EXISTS (
                SELECT 1 FROM refresh_tokens live WHERE live.family_id = t.family_id AND live.revoked_at IS NULL AND live.expires_at >= ?))
       RETURNING 1)
     SELECT count(*)::int AS count FROM gone`,
    [new Date(now.getTime() - revokedKeepHours * 3600_000), now, now],
  );
  if (setupTokens || refreshTokens) logger.info('expired tokens deleted', { setupTokens, refreshTokens });
}
