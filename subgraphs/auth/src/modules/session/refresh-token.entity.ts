import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One refresh token. Tokens descending from one login form a family; using a
 * token again after it was rotated means it leaked, and the family is revoked.
 */
@Entity({ tableName: 'refresh_tokens' })
export class RefreshToken {
  [OptionalProps]?: 'usedAt' | 'revokedAt' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid', index: 'refresh_tokens_family_idx' })
  familyId!: string;

  @Property({ type: 'uuid', index: 'refresh_tokens_account_idx' })
  accountId!: string;

  @Property({ type: 'text', hidden: true, unique: 'refresh_tokens_token_hash_key' })
  tokenHash!: string;

  @Property({ type: 'datetime', index: 'refresh_tokens_expires_at_idx' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  usedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
