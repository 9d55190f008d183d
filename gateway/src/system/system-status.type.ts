import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { RequiresRole } from '@herck/common';

@ObjectType({ description: 'One subgraph as the gateway found it at its latest probe' })
export class SubgraphStatus {
  @Field(() => String, { description: 'Subgraph name (account, auth, market, …)' })
  name!: string;

  @Field(() => String, { description: 'The GraphQL URL the gateway calls it on' })
  url!: string;

  @Field(() => Boolean, { description: 'Ready, and its status report answered: nothing is wrong with it' })
  healthy!: boolean;

  @Field(() => Boolean, { description: 'Its /readyz answered 200 (it takes requests)' })
  ready!: boolean;

  @Field(() => String, { nullable: true, description: 'Its version (HERCK_VERSION, e.g. a git commit, else its package version); null when it did not answer' })
  version!: string | null;

  @Field(() => Float, { nullable: true, description: 'Milliseconds its /readyz took to answer; null when it did not answer' })
  latencyMs!: number | null;

  @Field(() => String, { nullable: true, description: 'What went wrong at the latest probe; null when nothing did' })
  lastError!: string | null;
}

@ObjectType({ description: 'An event a consumer gave up on after BUS_MAX_ATTEMPTS failed tries (its payload stays in the consumer’s bus_dead_letters table)' })
export class DeadLetter {
  @Field(() => String, { description: 'Its position on the bus' })
  position!: string;

  @Field(() => ID, { description: 'The event’s id' })
  eventId!: string;

  @Field(() => String, { description: 'The event’s type, e.g. account.changed' })
  type!: string;

  @Field(() => String, { description: 'The error of its last try' })
  error!: string;

  @Field(() => Int, { description: 'How many times it was tried' })
  attempts!: number;

  @Field(() => Date, { description: 'When the consumer gave up on it' })
  failedAt!: Date;
}

@ObjectType({ description: 'How far one subgraph has applied the events of the bus' })
export class BusConsumerStatus {
  @Field(() => String, { description: 'The consuming subgraph' })
  consumer!: string;

  @Field(() => Int, { description: 'Events published to the bus that it has not applied yet' })
  lag!: number;

  @Field(() => Int, { description: 'Events it gave up on after BUS_MAX_ATTEMPTS failed tries (its bus_dead_letters table)' })
  deadLetters!: number;

  @Field(() => [DeadLetter], { description: 'The newest ten it gave up on, newest first: which event, why and when' })
  recentDeadLetters!: DeadLetter[];
}

@ObjectType({ description: "Market's ingestion schedule" })
export class IngestionStatus {
  @Field(() => Date, { nullable: true, description: 'Time of the latest round market holds; null before the first' })
  lastRoundAt!: Date | null;

  @Field(() => Int, { description: 'Scheduled rounds missed in the last hour (see ingestionGaps)' })
  gapsLastHour!: number;
}

@ObjectType({ description: "The gateway's live endpoint (graphql-ws)" })
export class LiveStatus {
  @Field(() => Int, { description: 'Open client connections' })
  connections!: number;

  @Field(() => Int, { description: 'Subscriptions open by clients, over every connection' })
  active!: number;

  @Field(() => Int, { description: 'Events given up since start because a client did not read fast enough' })
  droppedEvents!: number;
}

@ObjectType({ description: 'Whether the platform is up; the details are for admins' })
export class SystemStatus {
  @Field(() => Boolean, { description: 'Every subgraph was ready at the latest probe' })
  healthy!: boolean;

  @RequiresRole('ADMIN')
  @Field(() => Date, { nullable: true, description: 'When the latest probe ran (admins)' })
  checkedAt!: Date;

  @RequiresRole('ADMIN')
  @Field(() => [SubgraphStatus], { nullable: true, description: 'Every subgraph at the latest probe (admins)' })
  services!: SubgraphStatus[];

  @RequiresRole('ADMIN')
  @Field(() => [BusConsumerStatus], { nullable: true, description: 'Each event consumer seen since the gateway started: its lag and dead letters; one that stopped answering keeps its last report, its lag worked out from its last position (admins)' })
  bus!: BusConsumerStatus[];

  @RequiresRole('ADMIN')
  @Field(() => IngestionStatus, { nullable: true, description: "Market's ingestion; null when market did not answer (admins)" })
  ingestion!: IngestionStatus | null;

  @RequiresRole('ADMIN')
  @Field(() => LiveStatus, { nullable: true, description: 'Subscriptions on this gateway replica (admins)' })
  subscriptions!: LiveStatus | null;
}
