import { ArrayType, Entity, EntityRepositoryType, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { AccountLifecycleStatus, Role } from '@herck/common';
import { CredentialRepository } from './credential.repository';

/** What auth knows of an account: login names (copied from account events), password hash, roles. */
@Entity({ tableName: 'credentials', repository: () => CredentialRepository })
// Login names are unique regardless of case, as in the account subgraph.
@Index({ name: 'credentials_username_key', expression: 'CREATE UNIQUE INDEX credentials_username_key ON credentials (lower(username))' })
@Index({ name: 'credentials_email_key', expression: 'CREATE UNIQUE INDEX credentials_email_key ON credentials (lower(email))' })
export class Credential {
  [EntityRepositoryType]?: CredentialRepository;
  [OptionalProps]?: 'passwordHash' | 'passwordChangedAt' | 'roles' | 'lastLoginAt' | 'createdAt' | 'updatedAt' | 'canSignIn';

  @PrimaryKey({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'text' })
  username!: string;

  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text' })
  status!: AccountLifecycleStatus;

  /** Version of the account event this copy reflects; older events are ignored. */
  @Property({ type: 'integer' })
  accountVersion!: number;

  @Property({ type: 'text', nullable: true, hidden: true })
  passwordHash: string | null = null;

  /** Password-setup tokens issued before this are refused. */
  @Property({ type: 'datetime', nullable: true })
  passwordChangedAt: Date | null = null;

  @Property({ type: ArrayType, columnType: 'text[]', defaultRaw: `'{USER}'` })
  roles: Role[] = ['USER'];

  @Property({ type: 'datetime', nullable: true })
  lastLoginAt: Date | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  get canSignIn(): boolean {
    return this.status === 'ACTIVE' && this.passwordHash !== null;
  }
}
