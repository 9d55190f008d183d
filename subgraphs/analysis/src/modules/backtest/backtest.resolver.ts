import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Authenticated, BadUserInputError, ForbiddenError, hasAnyRole } from '@herck/common';
import { AnalysisContext } from '../../context';
import { definitionOf } from '../evaluation/engine-loader';
import { callerId } from '../strategy/strategy.resolver';
import { StrategyService } from '../strategy/strategy.service';
import { Backtest } from './backtest.type';
import { Backtester } from './backtester';

/** How far before the USER window a `from` may fall (request latency and clock differences). */
const USER_RANGE_GRACE_MS = 60_000;

@Resolver()
export class BacktestResolver {
  constructor(
    private readonly strategies: StrategyService,
    private readonly userBacktestDays: number,
    private readonly backtester: Backtester,
  ) {}

  @Authenticated()
  @Query(() => Backtest, { description: 'Replays one of your strategies over stored candles and ticks as live evaluation met them (USER: the last 90 days; ANALYST and ADMIN: all history)' })
  async backtestStrategy(
    @Arg('id', () => ID, { description: 'One of your strategies' }) id: string,
    @Arg('from', () => Date, { description: 'Replay candles opening and ticks dated at or after this time' }) from: Date,
    @Arg('to', () => Date, { description: 'Replay candles opening and ticks dated before this time' }) to: Date,
    @Ctx() context: AnalysisContext,
  ): Promise<Backtest> {
    // Whose strategy it is comes first: a stranger's id is NOT_FOUND whatever the range says.
    const strategy = await this.strategies.own(context.em, callerId(context), id);
    if (from >= to) throw new BadUserInputError('from must be before to', 'from');
    // A minute's grace: a client asking for exactly "the last 90 days" computes `from` a moment
    // before this line runs, and must not be refused for the milliseconds in between.
    const oldest = Date.now() - this.userBacktestDays * 86_400_000 - USER_RANGE_GRACE_MS;
    // A rule of the caller's role, not of the input: the same range is fine for an analyst.
    if (!hasAnyRole(context.identity, ['ANALYST', 'ADMIN']) && from.getTime() < oldest) {
      throw new ForbiddenError(`A USER's backtests reach back ${this.userBacktestDays} days; ANALYST and ADMIN see all history`);
    }
    return this.backtester.run(callerId(context), context.em, definitionOf(strategy), from, to, context.signal);
  }
}
