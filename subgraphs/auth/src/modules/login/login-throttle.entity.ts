import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Failed sign-ins per login name (hashed), whether or not an account has that
 * name, so throttling itself reveals nothing.
 */
@Entity({ tableName: 'login_throttles' })
export class LoginThrottle {
  @PrimaryKey({ type: 'text' })
  key!: string;

  @Property({ type: 'integer' })
  failures = 0;

  @Property({ type: 'datetime', nullable: true })
  lockedUntil: Date | null = null;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
