import { raw } from '@mikro-orm/core';
import { EntityRepository, FilterQuery } from '@mikro-orm/postgresql';
import type { Credential } from './credential.entity';

export class CredentialRepository extends EntityRepository<Credential> {
  /** Users sign in with their username or their email, in any letter case. */
  findByLogin(usernameOrEmail: string): Promise<Credential | null> {
    const login = usernameOrEmail.trim().toLowerCase();
    const field = login.includes('@') ? 'email' : 'username';
    return this.findOne({ [raw(`lower(${field})`)]: login } as FilterQuery<Credential>);
  }

  findByEmail(email: string): Promise<Credential | null> {
    return this.findOne({ [raw('lower(email)')]: email.trim().toLowerCase() } as FilterQuery<Credential>);
  }
}
