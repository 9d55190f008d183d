import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A password-setup token that was spent; a second use is refused. */
@Entity({ tableName: 'used_setup_tokens' })
export class UsedSetupToken {
  @PrimaryKey({ type: 'uuid' })
  tokenId!: string;

  @Property({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'datetime', index: 'used_setup_tokens_expires_at_idx' })
  expiresAt!: Date;
}
