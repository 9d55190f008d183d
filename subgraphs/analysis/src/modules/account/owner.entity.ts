import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** The status `account.changed` announces for an account that may no longer sign in. */
export const DEACTIVATED = 'DEACTIVATED';

/** An account as `account.changed` last announced it: whether it is active and where alert mail goes. */
@Entity({ tableName: 'accounts' })
export class Owner {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'integer' })
  version!: number;
}
