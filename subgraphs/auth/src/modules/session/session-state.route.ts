import { Express, RequestHandler } from 'express';
import { isUuid, Orm, Role, SESSION_STATE_PATH, SessionState } from '@herck/common';

const ENDED: SessionState = { active: false, roles: [] };

/**
 * Tells the gateway whether an access token's session still stands — the
 * account active, the session neither logged out nor revoked — and the
 * account's current roles. The gateway caches the answer for a few seconds, so
 * logout, deactivation, deletion and role changes reach every token quickly.
 */
export function serveSessionState(app: Express, orm: Orm, gatewayOnly: RequestHandler): void {
  app.get(SESSION_STATE_PATH, gatewayOnly, async (req, res, next) => {
    try {
      const { account, session } = req.query;
      if (typeof account !== 'string' || typeof session !== 'string' || !isUuid(account) || !isUuid(session)) {
        res.json(ENDED);
        return;
      }
      const [row] = await orm.em.fork().execute<{ roles: Role[]; active: boolean }[]>(
        `SELECT c.roles, c.status = 'ACTIVE' AND EXISTS (
           SELECT 1 FROM refresh_tokens t
           WHERE t.family_id = ? AND t.account_id = c.account_id AND t.revoked_at IS NULL AND t.expires_at > now()
         ) AS active
         FROM credentials c WHERE c.account_id = ?`,
        [session, account],
      );
      res.set('Cache-Control', 'no-store').json(row?.active ? ({ active: true, roles: row.roles } satisfies SessionState) : ENDED);
    } catch (error) {
      next(error);
    }
  });
}
