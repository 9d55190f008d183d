import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A tombstone: this account was deleted. Kept for good, so that no token or
 * late event issued for it before the deletion can bring it back.
 */
@Entity({ tableName: 'deleted_accounts' })
export class DeletedAccount {
  [OptionalProps]?: 'deletedAt';

  @PrimaryKey({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  deletedAt: Date = new Date();
}
