import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Authenticated, BadUserInputError, CandleInterval, CandleIntervalEnum, Connection, RequiresRole } from '@herck/common';
import { MarketContext } from '../../context';
import { knownAsset, normaliseSymbol } from '../asset/symbol-rules';
import { DEFAULT_PAGE, timePage, toConnection } from '../paging/time-page';
import { CandleConnection } from './candle-connection.type';
import { CandleImport } from './candle-import.type';
import { CandleImportService } from './candle-import.service';
import { Candle } from './candle.type';

/** Largest CSV accepted through the API; bigger files go through `npm run market:import`. */
const MAX_CSV_BYTES = 5 * 1024 * 1024;

/**
 * The request body market takes: a CSV of MAX_CSV_BYTES with every character escaped to two in
 * JSON (as newlines are), and the operation around it. Control characters escape to six: a CSV
 * full of them may be refused as too large (BAD_REQUEST at the gateway). At the default 100kb, a
 * gateway whose BODY_LIMIT was raised for an import had its request refused here.
 */
export const MARKET_BODY_LIMIT = `${2 * MAX_CSV_BYTES + 64 * 1024}b`;

@Resolver(() => Candle)
export class CandleResolver {
  constructor(private readonly imports: CandleImportService) {}

  @Authenticated()
  @Query(() => CandleConnection, { description: "An asset's candles of one interval; newest first unless from is given" })
  async candles(
    @Arg('symbol', () => String, { description: 'Ticker symbol' }) symbol: string,
    @Arg('interval', () => CandleIntervalEnum, { description: 'Candle length' }) interval: CandleInterval,
    @Arg('from', () => Date, { nullable: true, description: 'Earliest open time (oldest first from here)' }) from: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'Latest open time' }) to: Date | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE, description: 'Page size, 1 to 1000' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last candle already seen' }) after: string | null,
    @Ctx() context: MarketContext,
  ): Promise<Connection<Candle>> {
    const page = timePage({ list: 'candles', from, to, first, after });
    const asset = await knownAsset(context, symbol);
    return toConnection(await context.history.candles(asset.symbol, interval, page), page, (candle) => candle.openTime);
  }

  @RequiresRole('ADMIN')
  @Mutation(() => CandleImport, {
    description: 'Import historical candles from CSV (admins): header time,open,high,low,close,volume; time is the open time (ISO-8601, Unix seconds or milliseconds). Importing the same rows twice changes nothing; a file with a bad row imports nothing (BAD_USER_INPUT on csv, the bad lines in extensions.lines); the row of the candle open now is left out and listed in errors. The coarser candles the imported ones cover whole are built from them.',
  })
  async importCandles(
    @Arg('symbol', () => String, { description: 'Ticker symbol of a known asset' }) symbol: string,
    @Arg('interval', () => CandleIntervalEnum, { description: 'Candle length of every row' }) interval: CandleInterval,
    @Arg('csv', () => String, { description: 'The file content' }) csv: string,
    @Ctx() context: MarketContext,
  ): Promise<CandleImport> {
    const known = await context.assetsBySymbol.load(normaliseSymbol(symbol));
    if (!known) throw new BadUserInputError(`No asset ${normaliseSymbol(symbol)} is known; track it first`, 'symbol');
    if (Buffer.byteLength(csv) > MAX_CSV_BYTES) throw new BadUserInputError('csv is larger than 5 MB: use npm run market:import for large files', 'csv');
    return this.imports.importCsv(context.em, known.symbol, interval, csv);
  }
}
