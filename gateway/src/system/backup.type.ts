import { Field, Float, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A complete backup of every store (admins)' })
export class Backup {
  @Field(() => String, { description: 'Its folder under BACKUP_DIR (named after its start time); what `npm run restore` takes' })
  name!: string;

  @Field(() => Date, { description: 'When its consistent snapshot was taken' })
  createdAt!: Date;

  @Field(() => Float, { description: 'Size on disk, compressed' })
  bytes!: number;

  @Field(() => [String], { description: 'The stores it holds (account, auth, bus, …)' })
  databases!: string[];
}
