import Decimal from 'decimal.js';
import { MarketProvider, ProviderError, ProviderGlobalMetrics, ProviderQuote, ProviderRound } from '../../src/modules/provider/market-provider';
import { ReplayServer } from './replay-server';

/** The time the recorded answers were taken (providers other than the simulated one ignore it). */
export const ROUND_TIME = new Date('2025-06-02T10:15:00Z');

/** One replay server for the file, cleared before each test and stopped after the last. */
export function useReplayServer(): () => ReplayServer {
  let server: ReplayServer | undefined;
  beforeAll(async () => {
    server = await ReplayServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(() => server?.reset());
  return () => {
    if (!server) throw new Error('the replay server is not running');
    return server;
  };
}

/** A signal nobody aborts. */
export function liveSignal(): AbortSignal {
  return new AbortController().signal;
}

/** The ProviderError `promise` rejects with; fails the test if it resolves or rejects with something else. */
export async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('expected a ProviderError, but the call succeeded');
}

type Plain<T> = { [K in keyof T]: T[K] extends Decimal ? string : T[K] extends Decimal | null ? string | null : T[K] };

function plain<T extends object>(value: T): Plain<T> {
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, field instanceof Decimal ? field.toFixed() : field])) as Plain<T>;
}

/** A quote with its Decimals as strings (as the API writes them: no exponent), to compare exact values with toEqual. */
export function plainQuote(quote: ProviderQuote): Plain<ProviderQuote> {
  return plain(quote);
}

export function plainGlobal(global: ProviderGlobalMetrics | null): Plain<ProviderGlobalMetrics> | null {
  return global && plain(global);
}

/** A provider whose every round answers (or throws) what the test says. */
export class ScriptedProvider implements MarketProvider {
  readonly givesFxRates = false;

  constructor(
    readonly name: string,
    private readonly answer: () => ProviderRound,
  ) {}

  async fetchRound(): Promise<ProviderRound> {
    return this.answer();
  }
}
