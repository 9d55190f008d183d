import { Arg, Field, Float, ObjectType, Query, Resolver } from 'type-graphql';
import { BadUserInputError, requireTimeRange, RequiresRole, SUBGRAPHS } from '@herck/common';
import { LogStore, StatusSample } from '../store/log-store';

/** The gateway's health checks are log entries: `service status` lines of the gateway, one per subgraph and probe. */
export const STATUS_LOG_SERVICE = 'gateway';
export const STATUS_LOG_MESSAGE = 'service status';
/** Samples one answer may hold (a probe every 15 s is 5,760 a day). */
const MAX_SAMPLES = 10_000;

@ObjectType({ description: 'One health check of a service, as the gateway recorded it' })
export class ServiceStatusSample {
  @Field(() => Date, { description: 'When the gateway checked' })
  time!: Date;

  @Field(() => Boolean, { description: 'Whether the service answered and was ready' })
  healthy!: boolean;

  @Field(() => Boolean, { description: 'Whether its readiness check passed' })
  ready!: boolean;

  @Field(() => String, { nullable: true, description: 'The version it reported' })
  version!: string | null;

  @Field(() => Float, { nullable: true, description: 'How long it took to answer, in milliseconds' })
  latencyMs!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the check failed, when it did' })
  lastError!: string | null;
}

@Resolver()
export class ServiceStatusResolver {
  constructor(private readonly store: LogStore) {}

  @RequiresRole('ADMIN')
  @Query(() => [ServiceStatusSample], { description: 'A service’s health checks in a time range, oldest first, from what the logs recorded (admins)' })
  async serviceStatusHistory(
    @Arg('service', () => String, { description: 'A subgraph: account, auth, market, analysis, orders or logs' }) service: string,
    @Arg('from', () => Date, { description: 'Start of the range (inclusive)' }) from: Date,
    @Arg('to', () => Date, { description: 'End of the range (inclusive)' }) to: Date,
  ): Promise<ServiceStatusSample[]> {
    if (!SUBGRAPHS.some(({ name }) => name === service)) throw new BadUserInputError(`Unknown service: ${service.slice(0, 64)}`, 'service');
    requireTimeRange(from, to);
    const samples = await this.store.samples(STATUS_LOG_SERVICE, STATUS_LOG_MESSAGE, 'target', service, from, to, MAX_SAMPLES + 1);
    // Never a silently cut history: a range holding more is refused.
    if (samples.length > MAX_SAMPLES) throw new BadUserInputError(`More than ${MAX_SAMPLES} checks in that range: ask for a shorter one`, 'from');
    return samples.map(toSample);
  }
}

function toSample({ time, fields }: StatusSample): ServiceStatusSample {
  return {
    time,
    healthy: fields.healthy === true,
    ready: fields.ready === true,
    version: typeof fields.version === 'string' ? fields.version : null,
    latencyMs: typeof fields.latencyMs === 'number' ? fields.latencyMs : null,
    lastError: typeof fields.lastError === 'string' ? fields.lastError : null,
  };
}
