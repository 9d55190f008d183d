import { ArrayType, Entity, EntityRepositoryType, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { AccountLifecycleStatus, Role } from '@herck/common';
import { CredentialRepository } from './credential.repository';

/** What auth knows of an account: login names (copied from account events), password hash, roles. */
@Entity({ tableName: 'credentials', repository: () => CredentialRepository })
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

  @Property({ type: ArrayType, columnType: 'text[]' })
  roles: Role[] = ['USER'];

  @Property({ type: 'datetime', nullable: true })
  lastLoginAt: Date | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  get canSignIn(): boolean {
    return this.status === 'ACTIVE' && this.passwordHash !== null;
  }
}
