import Decimal from 'decimal.js';
import { isStorableAmount, MAX_AMOUNT_TEXT_LENGTH } from '../history/storable-amount';
import { ProviderError } from './market-provider';

/** What a decimal field may hold: any sign (percentages), or no negative values (prices, volumes, caps). */
export type DecimalRange = 'any' | 'nonNegative';

const NUMERIC_TEXT = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * Reads a provider's untyped JSON answer field by field; anything missing or
 * of the wrong kind becomes a ProviderError naming the field, so one malformed
 * answer fails that provider's round instead of storing nonsense.
 *
 * Numbers: a JSON number reaches here as a double only when the double holds it
 * exactly (fetchJson quotes the others, which then come as numeric text).
 * `String(double)` is then its shortest text, without binary noise (0.1 stays
 * "0.1", never 0.1000000000000000055…). A Decimal is built from that text.
 * Numeric strings (Binance's, and the quoted numbers) are taken as they are, so
 * they keep every digit.
 */
export class JsonReader {
  constructor(private readonly provider: string) {}

  object(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw this.malformed(path, 'an object');
    return value as Record<string, unknown>;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) throw this.malformed(path, 'an array');
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') throw this.malformed(path, 'a string');
    return value;
  }

  optionalString(value: unknown, path: string): string | null {
    return value === undefined || value === null ? null : this.string(value, path);
  }

  integer(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw this.malformed(path, 'an integer');
    return value;
  }

  optionalInteger(value: unknown, path: string): number | null {
    return value === undefined || value === null ? null : this.integer(value, path);
  }

  decimal(value: unknown, path: string, range: DecimalRange): Decimal {
    let parsed: Decimal;
    if (typeof value === 'number' && Number.isFinite(value)) parsed = new Decimal(String(value));
    else if (typeof value === 'string' && value.length <= MAX_AMOUNT_TEXT_LENGTH && NUMERIC_TEXT.test(value)) parsed = new Decimal(value);
    else throw this.malformed(path, 'a finite number');
    // "1e-20000" is numeric text no column holds: it fails this provider, not the whole round's transaction.
    if (!isStorableAmount(parsed)) throw this.malformed(path, 'a number the store can hold');
    if (range === 'nonNegative' && parsed.isNegative() && !parsed.isZero()) throw this.malformed(path, 'a number of at least 0');
    // -0 would print as "0" but compare oddly; normalise it.
    return parsed.isZero() ? new Decimal(0) : parsed;
  }

  optionalDecimal(value: unknown, path: string, range: DecimalRange): Decimal | null {
    return value === undefined || value === null ? null : this.decimal(value, path, range);
  }

  private malformed(path: string, expected: string): ProviderError {
    return new ProviderError(this.provider, `malformed answer: ${path} is not ${expected}`);
  }
}

/** `value[k1][k2]…`, or undefined as soon as a step is not an object: for error documents and errors, which come in any shape. */
export function dig(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
