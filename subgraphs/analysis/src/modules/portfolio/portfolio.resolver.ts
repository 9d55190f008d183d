import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Authenticated, BadUserInputError, Connection, connectionType, pageSize } from '@herck/common';
import { AnalysisContext } from '../../context';
import { callerId } from '../strategy/strategy.resolver';
import { PortfolioCalculator } from './calculation/portfolio-calculator';
import { LedgerRow } from './ledger-row';
import { PortfolioService } from './portfolio.service';
import { CostBasisMethodEnum, HoldingType, PerformanceType, Portfolio, Transaction, TransactionInput, Valuation } from './portfolio.types';

export const TransactionConnection = connectionType(Transaction, 'Transaction', 'transaction');

@Resolver(() => Portfolio)
export class PortfolioResolver {
  constructor(
    private readonly service: PortfolioService,
    private readonly calculator: PortfolioCalculator,
  ) {}

  @Authenticated()
  @Query(() => [Portfolio], { description: 'Your portfolios, oldest first' })
  portfolios(@Ctx() context: AnalysisContext): Promise<Portfolio[]> {
    return this.service.list(context.em, callerId(context));
  }

  @Authenticated()
  @Query(() => Portfolio, { description: 'One of your portfolios (NOT_FOUND for any other id)' })
  portfolio(@Arg('id', () => ID, { description: 'Portfolio id' }) id: string, @Ctx() context: AnalysisContext): Promise<Portfolio> {
    return this.service.own(context.em, callerId(context), id);
  }

  @Authenticated()
  @Mutation(() => Portfolio, { description: 'A new, empty portfolio' })
  createPortfolio(
    @Arg('name', () => String, { description: 'A name for people, 1–100 characters' }) name: string,
    @Arg('baseCurrency', () => String, { defaultValue: 'USD', description: 'The currency it is valued in' }) baseCurrency: string,
    @Arg('costBasisMethod', () => CostBasisMethodEnum, { nullable: true, defaultValue: CostBasisMethodEnum.FIFO, description: 'How the cost of units sold is chosen (FIFO when left out or null)' })
    method: CostBasisMethodEnum | null,
    @Ctx() context: AnalysisContext,
  ): Promise<Portfolio> {
    return this.service.create(context.em, callerId(context), name, baseCurrency, method ?? CostBasisMethodEnum.FIFO);
  }

  @Authenticated()
  @Mutation(() => Portfolio, { description: 'Renames one of your portfolios' })
  renamePortfolio(@Arg('id', () => ID, { description: 'Portfolio id' }) id: string, @Arg('name', () => String, { description: 'The new name' }) name: string, @Ctx() context: AnalysisContext): Promise<Portfolio> {
    return this.service.rename(context.em, callerId(context), id, name);
  }

  @Authenticated()
  @Mutation(() => Boolean, { description: 'Deletes one of your portfolios with its transactions' })
  async deletePortfolio(@Arg('id', () => ID, { description: 'Portfolio id' }) id: string, @Ctx() context: AnalysisContext): Promise<boolean> {
    await this.service.delete(context.em, callerId(context), id);
    return true;
  }

  @Authenticated()
  @Mutation(() => Transaction, { description: 'Adds a transaction; one that would sell more than is held (or withdraw more cash than there is) is refused' })
  addTransaction(
    @Arg('portfolioId', () => ID, { description: 'One of your portfolios' }) portfolioId: string,
    @Arg('input', () => TransactionInput, { description: 'The transaction' }) input: TransactionInput,
    @Ctx() context: AnalysisContext,
  ): Promise<Transaction> {
    return this.service.addTransaction(context.em, callerId(context), portfolioId, input);
  }

  @Authenticated()
  @Mutation(() => Boolean, { description: 'Deletes a transaction, unless later ones depend on it or it records a filled order (BAD_USER_INPUT: the order stays)' })
  async deleteTransaction(@Arg('id', () => ID, { description: 'Transaction id' }) id: string, @Ctx() context: AnalysisContext): Promise<boolean> {
    await this.service.deleteTransaction(context.em, callerId(context), id);
    return true;
  }

  @Authenticated()
  @Query(() => TransactionConnection, { description: 'A portfolio’s transactions, newest first' })
  transactions(
    @Arg('portfolioId', () => ID, { description: 'One of your portfolios' }) portfolioId: string,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last transaction already seen' }) after: string | null,
    @Ctx() context: AnalysisContext,
  ): Promise<Connection<Transaction>> {
    return this.service.transactions(context.em, callerId(context), portfolioId, pageSize(first), after ?? null);
  }

  @FieldResolver(() => [HoldingType], { description: 'What it held at `at` (default: now), valued at that day’s prices' })
  async holdings(@Root() portfolio: Portfolio, @Arg('at', () => Date, { nullable: true, description: 'The moment (default: now; a time still to come counts as now)' }) at: Date | null, @Ctx() context: AnalysisContext): Promise<HoldingType[]> {
    return (await this.valuation(portfolio, at, context)).holdings;
  }

  @FieldResolver(() => Valuation, { description: 'Its value at `at` (default: now) in its base currency' })
  async balance(@Root() portfolio: Portfolio, @Arg('at', () => Date, { nullable: true, description: 'The moment (default: now; a time still to come counts as now)' }) at: Date | null, @Ctx() context: AnalysisContext): Promise<Valuation> {
    const valuation = await this.valuation(portfolio, at, context);
    return { value: valuation.value, cost: valuation.cost, cash: valuation.cash, complete: valuation.complete, missingPrices: valuation.missingPrices };
  }

  @FieldResolver(() => PerformanceType, { description: 'How it did from `from` to `to`: ROI, time-weighted return, XIRR, realised and unrealised P&L' })
  async performance(
    @Root() portfolio: Portfolio,
    @Arg('from', () => Date, { description: 'Start of the period: transactions at this very time are the period\'s' }) from: Date,
    @Arg('to', () => Date, { description: 'End of the period, transactions at it included; a time still to come counts as now' }) to: Date,
    @Ctx() context: AnalysisContext,
  ): Promise<PerformanceType> {
    if (from >= to) throw new BadUserInputError('from must be before to', 'from');
    // No price exists yet for a day to come: "up to the end of the year" is the performance so far.
    const past = to < new Date() ? to : null;
    const end = notLaterThanNow(past);
    if (from >= end) throw new BadUserInputError('from must be in the past', 'from');
    const ledger = await context.ledgers.load(portfolio.id);
    const calculated = (async () => {
      const prices = await context.prices.load({ currency: portfolio.baseCurrency, symbols: symbolsOf(ledger), from: ledger[0] ? new Date(ledger[0].time) : from, to: end });
      return this.calculator.performance(portfolio.ownerId, ledger, prices, from, end, portfolio.costBasisMethod);
    })();
    // Announced before its prices are read: holdings and balance at its end take it (ValuationMemo).
    context.valuations.ending(ledger, valuationKey(portfolio, past), calculated.then((performance) => performance.end));
    const { roi, twr, xirr, realizedPnl, unrealizedPnl, complete, missingPrices } = await calculated;
    return { roi, twr, xirr, realizedPnl, unrealizedPnl, complete, missingPrices };
  }

  /**
   * The list's portfolios are valued together: their ledgers in one read, their prices in one per
   * currency. A portfolio's holdings and balance at one moment share one valuation (ValuationMemo),
   * which a performance to that moment gives them when the request asks one;
   * "now" (`at` left out or still to come) is the first of them's now.
   */
  private async valuation(portfolio: Portfolio, at: Date | null, context: AnalysisContext) {
    const ledger = await context.ledgers.load(portfolio.id);
    const past = at && at < new Date() ? at : null;
    const key = valuationKey(portfolio, past);
    return context.valuations.once(ledger, key, async () => {
      const moment = notLaterThanNow(past);
      const prices = await context.prices.load({ currency: portfolio.baseCurrency, symbols: symbolsOf(ledger), from: moment, to: moment });
      // Asked once the prices are read: a performance of the same request has announced its end by then.
      return context.valuations.endOf(ledger, key) ?? this.calculator.valuation(portfolio.ownerId, ledger, prices, moment, portfolio.costBasisMethod);
    });
  }
}

/** Names a valuation of a portfolio within a request: its moment (`past`, or now), currency and method. */
function valuationKey(portfolio: Portfolio, past: Date | null): string {
  return `${past?.getTime() ?? 'now'}|${portfolio.baseCurrency}|${portfolio.costBasisMethod}`;
}

/** The assets a ledger names, each once. */
function symbolsOf(ledger: LedgerRow[]): string[] {
  return [...new Set(ledger.flatMap((entry) => (entry.symbol ? [entry.symbol] : [])))];
}

/**
 * The moment a valuation is asked for, a time still to come counting as now, as `performance`'s
 * `to` does: no price exists yet for a day to come (it was listed as missing).
 */
function notLaterThanNow(at: Date | null): Date {
  const now = new Date();
  return at && at < now ? at : now;
}
