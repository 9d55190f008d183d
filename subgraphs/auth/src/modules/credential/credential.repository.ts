import { raw } from '@mikro-orm/core';
import { EntityRepository, FilterQuery } from '@mikro-orm/postgresql';
import type { Credential } from './credential.entity';

export class CredentialRepository extends EntityRepository<Credential> {
  /**
   * Users sign in with their username or their email, in any letter case. Names
   * are unique, so more than one match means the copy is inconsistent: refuse
   * rather than guess whose password to check.
   */
  async findByLogin(usernameOrEmail: string): Promise<Credential | null> {
    const login = usernameOrEmail.trim();
    const field = login.includes('@') ? 'email' : 'username';
    // Folded by PostgreSQL on both sides, as the unique indexes fold (see AccountRepository).
    const matches = await this.find({ [raw(`lower(${field})`)]: raw('lower(?)', [login]) } as FilterQuery<Credential>, { limit: 2 });
    return matches.length === 1 ? matches[0]! : null;
  }

  findByEmail(email: string): Promise<Credential | null> {
    return this.findOne({ [raw('lower(email)')]: raw('lower(?)', [email.trim()]) } as FilterQuery<Credential>);
  }
}
