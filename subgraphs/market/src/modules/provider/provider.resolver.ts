import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { BadUserInputError, Connection, RequiresRole } from '@herck/common';
import { MarketContext } from '../../context';
import { IngestionGapConnection } from '../ingestion/ingestion-gap-connection.type';
import { IngestionGap } from '../ingestion/ingestion-gap.type';
import { DEFAULT_PAGE, timePage, timeWindowSql, toConnection } from '../paging/time-page';
import { ProviderStates } from './provider-states';
import { ProviderStatus } from './provider-status.type';

@Resolver(() => ProviderStatus)
export class ProviderResolver {
  constructor(private readonly states: ProviderStates) {}

  @RequiresRole('ADMIN')
  @Query(() => [ProviderStatus], { description: 'The configured providers in priority order, with their health (admins)' })
  marketProviders(@Ctx() { em }: MarketContext): Promise<ProviderStatus[]> {
    return this.states.list(em);
  }

  @RequiresRole('ADMIN')
  @Mutation(() => ProviderStatus, { description: 'Switch a configured provider on or off (admins)' })
  async setProviderEnabled(
    @Arg('name', () => String, { description: 'Provider name' }) name: string,
    @Arg('enabled', () => Boolean, { description: 'Whether rounds ask it' }) enabled: boolean,
    @Ctx() { em }: MarketContext,
  ): Promise<ProviderStatus> {
    const status = await this.states.setEnabled(em, name.trim().toLowerCase(), enabled);
    // The name echoed is cut short: an error never hands a caller's whole input back.
    if (!status) throw new BadUserInputError(`No provider named ${JSON.stringify(name.slice(0, 32))} is configured (MARKET_PROVIDERS)`, 'name');
    return status;
  }

  @RequiresRole('ADMIN')
  @Query(() => IngestionGapConnection, { description: 'Rounds that did not happen, with the reason (admins); newest first unless from is given' })
  async ingestionGaps(
    @Arg('from', () => Date, { nullable: true, description: 'Earliest round time' }) from: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'Latest round time' }) to: Date | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE, description: 'Page size, 1 to 1000' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last gap already seen' }) after: string | null,
    @Ctx() { em }: MarketContext,
  ): Promise<Connection<IngestionGap>> {
    const page = timePage({ list: 'ingestionGaps', from, to, first, after });
    const params: unknown[] = [];
    const window = timeWindowSql('round_time', page, params);
    const rows = await em.execute<{ round_time: string; reason: string; recorded_at: string }[]>(
      `SELECT * FROM ingestion_gaps WHERE ${window.where} ORDER BY ${window.order} LIMIT ${page.first + 1}`,
      params,
    );
    const gaps = rows.map((row) => ({ time: new Date(row.round_time), reason: row.reason, recordedAt: new Date(row.recorded_at) }));
    return toConnection(gaps, page, (gap) => gap.time);
  }
}
