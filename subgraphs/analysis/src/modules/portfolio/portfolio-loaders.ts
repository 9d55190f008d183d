import DataLoader from 'dataloader';
import { EntityManager } from '@mikro-orm/postgresql';
import { readPriceTable } from './portfolio-prices';
import { LedgerRow } from './ledger-row';
import { LEDGER_COLUMNS } from './portfolio-rows';
import { dayOf, PriceTable } from './price-table';

/** The prices one valuation needs: its symbols' closes from `from` to `to`, in `currency`. */
export interface PriceRequest {
  currency: string;
  symbols: string[];
  from: Date;
  to: Date;
}

/**
 * Every ledger the portfolios of one request ask for, read in one statement.
 * Not cached: a mutation later in the same request may add to a ledger.
 */
export function ledgerLoader(em: EntityManager): DataLoader<string, LedgerRow[]> {
  return new DataLoader<string, LedgerRow[]>(
    async (ids) => {
      const rows = await em.execute<(LedgerRow & { portfolio_id: string })[]>(`SELECT ${LEDGER_COLUMNS} FROM portfolio_transactions WHERE portfolio_id IN (?) ORDER BY time, seq`, [
        [...new Set(ids)],
      ]);
      const byPortfolio = new Map<string, LedgerRow[]>(ids.map((id) => [id, []]));
      for (const row of rows) byPortfolio.get(row.portfolio_id)!.push(row);
      return ids.map((id) => byPortfolio.get(id)!);
    },
    { cache: false },
  );
}

/**
 * The prices of the valuations of one request, one lookup for all that share a
 * currency and a period (every portfolio's balance now, say), for the symbols
 * of them all. Not cached, as a new round's prices may come between two requests' reads.
 */
export function priceLoader(em: EntityManager): DataLoader<PriceRequest, PriceTable> {
  return new DataLoader<PriceRequest, PriceTable>(
    async (requests) => {
      // Prices are per day: valuations "now" a millisecond apart (each resolver's own now) share a lookup, through the later moment.
      const groupOf = (request: PriceRequest) => `${request.currency}|${dayOf(request.from)}|${dayOf(request.to)}`;
      const groups = new Map<string, { currency: string; from: Date; to: Date; symbols: Set<string> }>();
      for (const request of requests) {
        const group = groups.get(groupOf(request)) ?? { currency: request.currency, from: request.from, to: request.to, symbols: new Set<string>() };
        for (const symbol of request.symbols) group.symbols.add(symbol);
        if (request.from < group.from) group.from = request.from;
        if (request.to > group.to) group.to = request.to;
        groups.set(groupOf(request), group);
      }
      const lookups = new Map(
        await Promise.all([...groups].map(async ([key, { currency, from, to, symbols }]) => [key, await readPriceTable(em, currency, [...symbols], from, to)] as const)),
      );
      return requests.map((request) => lookups.get(groupOf(request))!);
    },
    { cache: false },
  );
}
