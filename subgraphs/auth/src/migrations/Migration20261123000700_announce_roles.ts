import { Migration } from '@mikro-orm/migrations';

/**
 * Roles became an event (`auth.roles-changed`) after accounts already had them:
 * announce every account's current roles once, through the outbox, so consumers
 * start from the whole picture.
 */
export class Migration20261123000700_announce_roles extends Migration {
  override up(): void {
    this.addSql(`INSERT INTO outbox (id, type, payload, created_at)
      SELECT gen_random_uuid(), 'auth.roles-changed', jsonb_build_object('accountId', account_id, 'roles', to_jsonb(roles)), now()
        FROM credentials`);
  }
}
