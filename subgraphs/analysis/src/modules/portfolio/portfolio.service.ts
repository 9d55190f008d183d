import { randomUUID } from 'node:crypto';
import Decimal from 'decimal.js';
import { EntityManager } from '@mikro-orm/postgresql';
import { arrayParameter, BadUserInputError, ConflictError, Connection, currencyCodeOf, decodeTimeIdCursor, encodeTimeIdCursor, exact, isTickerSymbol, isUuid, lockUndeletedOwner, NotFoundError, pageInfoOf, requireText, SharedRead, sharedRead, tickerSymbolOf } from '@herck/common';
import { PortfolioCalculator } from './calculation/portfolio-calculator';
import { PortfolioInputError } from './math';
import { converterOn } from './portfolio-prices';
import { LedgerRow } from './ledger-row';
import { LEDGER_COLUMNS, PortfolioRow, toPortfolio, toTransaction, TransactionRow } from './portfolio-rows';
import { CostBasisMethodEnum, Portfolio, Transaction, TransactionInput, TransactionKindEnum } from './portfolio.types';

/**
 * Times before 1970 are typos (year 1 was stored and read back as another century), not trades.
 * Not later: worked examples (Excel's XIRR) use cash flows from 2008, before any crypto asset.
 */
const EARLIEST_TRANSACTION_TIME = Date.UTC(1970, 0, 1);

/** How far ahead of this server's clock a client's "now" may be: a transaction is not in the future. */
const CLOCK_SKEW_MS = 5_000;

const TRADES = [TransactionKindEnum.BUY, TransactionKindEnum.SELL];

/** Owners' portfolios in creation order, read with other requests' at the same moment. */
const PORTFOLIOS_OF_OWNERS: SharedRead<PortfolioRow> = {
  run: (em, owners) => em.execute<PortfolioRow[]>('SELECT * FROM portfolios WHERE owner_id = ANY(?::uuid[]) ORDER BY created_at, id', [arrayParameter(owners)]),
  keyOf: (row) => row.owner_id,
};

/** Owners keep portfolios of transactions; every change is checked by replaying the ledger before it is written. */
export class PortfolioService {
  /**
   * `perAccount`: portfolios an owner may create. `portfolios` answers them all in one list, which the
   * gateway's cost limit counts as 20 items: without a bound, one user made each such request as costly
   * as they pleased (600 portfolios, 15 aliases: 2.5 s and a megabyte).
   */
  constructor(
    private readonly perAccount: number,
    /** Replays a ledger before each change is written: a long one takes a while, off this thread. */
    private readonly calculator: PortfolioCalculator,
  ) {}

  async create(em: EntityManager, ownerId: string, name: string, baseCurrency: string, method: CostBasisMethodEnum): Promise<Portfolio> {
    const currency = await this.currency(em, baseCurrency, 'baseCurrency');
    const validName = requireText(name, 'name', 1, 100);
    const rows = await em.transactional(async (tx) => {
      // One owner's creations queue here, so the limit holds under concurrent requests.
      await lockUndeletedOwner(tx, ownerId);
      // Those the owner created: the default one a fill opens comes on top (PORTFOLIOS_PER_ACCOUNT's documentation).
      const [{ count }] = await tx.execute<{ count: string }[]>('SELECT count(*) FROM portfolios WHERE owner_id = ? AND NOT is_default', [ownerId]);
      if (Number(count) >= this.perAccount) throw new ConflictError(`You already have ${this.perAccount} portfolios, the most an account may keep`);
      return tx.execute<PortfolioRow[]>('INSERT INTO portfolios (id, owner_id, name, base_currency, cost_basis_method, created_at) VALUES (?, ?, ?, ?, ?, now()) RETURNING *', [
        randomUUID(),
        ownerId,
        validName,
        currency,
        method,
      ]);
    });
    return toPortfolio(rows[0]!);
  }

  async list(em: EntityManager, ownerId: string): Promise<Portfolio[]> {
    return (await sharedRead(em, PORTFOLIOS_OF_OWNERS, isUuid(ownerId) ? [ownerId] : [])).map(toPortfolio);
  }

  /** The owner's portfolio; anyone else's is NOT_FOUND, exactly like one that does not exist. */
  async own(em: EntityManager, ownerId: string, id: string, lock = false): Promise<Portfolio> {
    const rows = isUuid(id) ? await em.execute<PortfolioRow[]>(`SELECT * FROM portfolios WHERE id = ? AND owner_id = ? ${lock ? 'FOR UPDATE' : ''}`, [id, ownerId]) : [];
    if (!rows.length) throw new NotFoundError('Portfolio');
    return toPortfolio(rows[0]!);
  }

  async rename(em: EntityManager, ownerId: string, id: string, name: string): Promise<Portfolio> {
    await this.own(em, ownerId, id);
    const rows = await em.execute<PortfolioRow[]>('UPDATE portfolios SET name = ? WHERE id = ? RETURNING *', [requireText(name, 'name', 1, 100), id]);
    // Deleted since the check above: gone, as any unknown portfolio (it was an internal error).
    if (!rows[0]) throw new NotFoundError('Portfolio');
    return toPortfolio(rows[0]);
  }

  async delete(em: EntityManager, ownerId: string, id: string): Promise<void> {
    await this.own(em, ownerId, id);
    // Of two deletions at once, the one that finds the row gone answers NOT_FOUND, as it would after.
    const deleted = await em.execute<{ id: string }[]>('DELETE FROM portfolios WHERE id = ? AND owner_id = ? RETURNING id', [id, ownerId]);
    if (!deleted.length) throw new NotFoundError('Portfolio');
  }

  async addTransaction(em: EntityManager, ownerId: string, portfolioId: string, input: TransactionInput): Promise<Transaction> {
    return em.transactional(async (tx) => {
      // The row lock queues concurrent changes to one portfolio, so each is checked against the last.
      const portfolio = await this.own(tx, ownerId, portfolioId, true);
      const entry = await this.checked(tx, portfolio, input);
      // The new entry has no id yet: an error about it names none (stored ones are named by theirs).
      const added: LedgerRow = {
        id: null,
        kind: entry.kind,
        symbol: entry.symbol,
        quantity: entry.quantity.toFixed(),
        base_price: entry.basePrice.toFixed(),
        base_fee: entry.baseFee.toFixed(),
        base_amount: entry.baseAmount.toFixed(),
        time: entry.time,
        source_id: null,
      };
      await this.replayOrRefuse([...(await this.ledger(tx, portfolio.id)), added], portfolio);
      const rows = await tx.execute<TransactionRow[]>(
        `INSERT INTO portfolio_transactions (id, portfolio_id, kind, symbol, quantity, price, currency, fee, base_price, base_fee, base_amount, time, note, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()) RETURNING *`,
        [randomUUID(), portfolio.id, entry.kind, entry.symbol, entry.quantity.toFixed(), entry.price.toFixed(), entry.currency, entry.fee.toFixed(), added.base_price, added.base_fee, added.base_amount, entry.time, entry.note],
      );
      return toTransaction(rows[0]!);
    });
  }

  async deleteTransaction(em: EntityManager, ownerId: string, id: string): Promise<void> {
    await em.transactional(async (tx) => {
      const rows = isUuid(id)
        ? await tx.execute<{ portfolio_id: string; source_id: string | null }[]>('SELECT t.portfolio_id, t.source_id FROM portfolio_transactions t JOIN portfolios p ON p.id = t.portfolio_id WHERE t.id = ? AND p.owner_id = ?', [id, ownerId])
        : [];
      if (!rows.length) throw new NotFoundError('Transaction');
      // It records an order, which stays in orders: the portfolio keeps it as long as it exists (a
      // redelivered event would not add it back either way: applied_fills remembers every fill).
      if (rows[0]!.source_id) throw new BadUserInputError('This transaction records a filled order and cannot be deleted', 'id');
      const portfolio = await this.own(tx, ownerId, rows[0]!.portfolio_id, true);
      // A later entry it pays for is refused in the replay; the refusal names this mutation's argument, not that entry's field.
      await this.replayOrRefuse((await this.ledger(tx, portfolio.id)).filter((entry) => entry.id !== id), portfolio, 'id');
      // Another deletion of it may have run while this one waited for the portfolio's lock: then NOT_FOUND.
      const deleted = await tx.execute<{ id: string }[]>('DELETE FROM portfolio_transactions WHERE id = ? RETURNING id', [id]);
      if (!deleted.length) throw new NotFoundError('Transaction');
    });
  }

  async transactions(em: EntityManager, ownerId: string, portfolioId: string, first: number, after: string | null): Promise<Connection<Transaction>> {
    await this.own(em, ownerId, portfolioId);
    const position = after ? decodeTimeIdCursor('transactions', after, isSeq) : null;
    const rows = await em.execute<TransactionRow[]>(
      // The ledger's order, newest first: entries at one time in the reverse of the order they were entered.
      // The cursor holds the entry's place, (time, seq), so it stays good when the entry is deleted.
      `SELECT * FROM portfolio_transactions WHERE portfolio_id = ?
       ${position ? 'AND (time, seq) < (?, ?::bigint)' : ''}
       ORDER BY time DESC, seq DESC LIMIT ?`,
      position ? [portfolioId, position.time, position.id, first + 1] : [portfolioId, first + 1],
    );
    const edges = rows.slice(0, first).map((row) => {
      const node = toTransaction(row);
      return { node, cursor: encodeTimeIdCursor('transactions', node.time, String(row.seq)) };
    });
    const nodes = edges.map((edge) => edge.node);
    return { edges, nodes, pageInfo: pageInfoOf(edges, rows.length > first, Boolean(after)) };
  }

  /** Every entry, in the base currency, in the order they happened (then the order they were entered). */
  async ledger(em: EntityManager, portfolioId: string): Promise<LedgerRow[]> {
    return em.execute<LedgerRow[]>(`SELECT ${LEDGER_COLUMNS} FROM portfolio_transactions WHERE portfolio_id = ? ORDER BY time, seq`, [portfolioId]);
  }

  /** Replays the ledger; a sale of more than was held, or a withdrawal of more cash than there is, is refused. */
  private async replayOrRefuse(ledger: LedgerRow[], portfolio: Portfolio, field?: string): Promise<void> {
    try {
      await this.calculator.replay(portfolio.ownerId, ledger, portfolio.costBasisMethod);
    } catch (error) {
      if (error instanceof PortfolioInputError) throw new BadUserInputError(error.message, field ?? error.field ?? 'input');
      throw error;
    }
  }

  /** USD, or a currency market has announced a rate for. */
  async currency(em: EntityManager, value: string, field: string): Promise<string> {
    const currency = currencyCodeOf(value);
    if (currency === 'USD') return currency;
    const known = currency !== null && (await em.execute('SELECT 1 FROM daily_fx WHERE currency = ? LIMIT 1', [currency])).length > 0;
    if (!known) throw new BadUserInputError(`"${(currency ?? value.trim()).slice(0, 32)}" is not a currency with an exchange rate`, field);
    return currency;
  }

  private async checked(em: EntityManager, portfolio: Portfolio, input: TransactionInput) {
    const trade = TRADES.includes(input.kind);
    // A text that is no symbol stays as typed (and is refused below), never upper-cased into another one.
    const symbol = input.symbol === null || input.symbol === undefined ? null : tickerSymbolOf(input.symbol) ?? (input.symbol.trim() || null);
    if (trade && !symbol) throw new BadUserInputError(`${input.kind} needs the symbol of an asset`, 'symbol');
    // A FEE may name what it was for: an asset's symbol, like a trade's.
    if ((trade || input.kind === TransactionKindEnum.FEE) && symbol && !isTickerSymbol(symbol)) throw new BadUserInputError('symbol must be the symbol of an asset (1–15 letters or digits)', 'symbol');
    if (!trade && input.kind !== TransactionKindEnum.FEE && symbol) throw new BadUserInputError(`${input.kind} moves cash: it takes no symbol`, 'symbol');
    if (input.quantity.lte(0)) throw new BadUserInputError('quantity must be above 0', 'quantity');
    // Cash moves one unit of money at a time: a deposit of 10000 is 10000 at 1.
    const unitPrice = input.price ?? (trade ? null : new Decimal(1));
    if (!unitPrice) throw new BadUserInputError(`${input.kind} needs the price of one unit`, 'price');
    if (unitPrice.lt(0)) throw new BadUserInputError('price must not be negative', 'price');
    const fee = input.fee ?? new Decimal(0);
    if (fee.lt(0)) throw new BadUserInputError('fee must not be negative', 'fee');
    const now = new Date();
    if (input.time && input.time.getTime() > now.getTime() + CLOCK_SKEW_MS) throw new BadUserInputError('time must not be in the future', 'time');
    // A time a moment ahead of this clock (the client's runs fast) is now: stored ahead, no valuation would count it until then, not even one "at" a time to come (which is now).
    const time = input.time && input.time < now ? input.time : now;
    if (time.getTime() < EARLIEST_TRANSACTION_TIME) throw new BadUserInputError('time must be in 1970 or later', 'time');
    // A note of only spaces is no note, as an empty one is.
    const note = (input.note ? requireText(input.note, 'note', 0, 500, { multiline: true }) : '') || null;
    // Omitted (or null) is the portfolio's currency; "" is no currency.
    const currency = input.currency != null ? await this.currency(em, input.currency, 'currency') : portfolio.baseCurrency;
    const toBase = await converterOn(em, currency, portfolio.baseCurrency, time, 'currency');
    const price = toBase(unitPrice);
    const baseFee = toBase(fee);
    // The whole amount converted at once (one rounding), not the unit price multiplied back: 90 EUR at 0.9 is 100 USD.
    const baseAmount = toBase(exact(input.quantity).mul(unitPrice));
    return {
      kind: input.kind,
      symbol,
      quantity: input.quantity,
      price: unitPrice,
      currency,
      fee,
      time,
      note,
      /** The price and fee in the portfolio's base currency, as the ledger keeps them. */
      basePrice: price,
      baseFee,
      baseAmount,
    };
  }
}

/** A ledger cursor's sequence number: a bigserial's digits, within bigint (past it PostgreSQL's cast fails). */
const isSeq = (value: string) => /^[1-9]\d{0,18}$/.test(value) && BigInt(value) <= 9223372036854775807n;
