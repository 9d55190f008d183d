import { randomUUID } from 'node:crypto';
import { Entity, EntityRepositoryType, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { RequiresRole } from '@herck/common';
import { AccountRepository } from './account.repository';

export enum AccountStatus {
  PENDING = 'PENDING',
  ACTIVE = 'ACTIVE',
  DEACTIVATED = 'DEACTIVATED',
}

registerEnumType(AccountStatus, {
  name: 'AccountStatus',
  description: 'Where an account is in its life',
  valuesConfig: {
    PENDING: { description: 'Registered; the email address is not confirmed yet' },
    ACTIVE: { description: 'Email confirmed; the owner can sign in once a password is set' },
    DEACTIVATED: { description: 'Switched off by an admin; cannot sign in' },
  },
});

/** A person's profile. Credentials and roles live in the auth subgraph, joined by `id`. */
@ObjectType({ description: 'A user account: the profile owned by the account subgraph' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'accounts', repository: () => AccountRepository })
// Usernames and emails are unique regardless of case (as the migrations made them).
@Index({ name: 'accounts_username_key', expression: 'CREATE UNIQUE INDEX accounts_username_key ON accounts (lower(username))' })
@Index({ name: 'accounts_email_key', expression: 'CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email))' })
@Index({ name: 'accounts_created_at_id_idx', properties: ['createdAt', 'id'] })
// The admins' search (ILIKE '%…%' on these four): trigrams, as the migrations made it.
@Index({
  name: 'accounts_search_idx',
  expression: 'CREATE INDEX accounts_search_idx ON accounts USING gin (username gin_trgm_ops, email gin_trgm_ops, first_name gin_trgm_ops, last_name gin_trgm_ops)',
})
export class Account {
  [EntityRepositoryType]?: AccountRepository;
  [OptionalProps]?: 'status' | 'version' | 'confirmationTokenHash' | 'confirmationExpiresAt' | 'createdAt' | 'updatedAt';

  @Field(() => ID, { description: 'Stable account id' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => String, { description: 'Unique name, 3–64 Latin letters (a–z, A–Z), digits, dots, dashes or underscores' })
  @Property({ type: 'text' })
  username!: string;

  @Field(() => String, { description: 'Email address; only its owner and admins can read it' })
  @RequiresRole('USER', 'ANALYST', 'ADMIN')
  @Property({ type: 'text' })
  email!: string;

  @Field(() => String, { description: 'Given name' })
  @Property({ type: 'text' })
  firstName!: string;

  @Field(() => String, { description: 'Family name' })
  @Property({ type: 'text' })
  lastName!: string;

  @Field(() => AccountStatus, { description: 'Where the account is in its life' })
  @Enum({ items: () => AccountStatus })
  status: AccountStatus = AccountStatus.PENDING;

  /** Bumped on every change so consumers of `account.changed` can ignore stale copies. */
  @Property({ type: 'integer' })
  version = 1;

  @Property({ type: 'text', nullable: true, hidden: true, unique: 'accounts_confirmation_token_hash_key' })
  confirmationTokenHash: string | null = null;

  @Property({ type: 'datetime', nullable: true, hidden: true })
  confirmationExpiresAt: Date | null = null;

  @Field(() => Date, { description: 'When the account was registered' })
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Field(() => Date, { description: 'When the profile last changed' })
  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
