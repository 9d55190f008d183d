import Decimal from 'decimal.js';
import { GraphQLScalarType, Kind } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { BadUserInputError } from '../errors/app-errors';
import { isStorableTime } from './time-id-cursor';

/** Longest decimal text accepted: far beyond any price, short enough to bound parsing work. */
const MAX_DECIMAL_LENGTH = 64;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/**
 * Parses decimal text (`"64123.45"`) exactly; anything else is BAD_USER_INPUT. The scalar
 * does not know which argument or input field it is parsing: whoever does names it (the
 * gateway's variable checks), rather than every error saying `value`.
 */
export function parseDecimal(value: unknown): Decimal {
  if (typeof value === 'string' && value.length > MAX_DECIMAL_LENGTH) throw new BadUserInputError(`A decimal number has at most ${MAX_DECIMAL_LENGTH} characters`);
  if (typeof value !== 'string' || !DECIMAL_TEXT.test(value.trim())) {
    throw new BadUserInputError('A decimal number is written as a string, such as "64123.45"');
  }
  const parsed = new Decimal(value.trim());
  // "-0" is zero: not a negative amount that rules refuse.
  return parsed.isZero() ? new Decimal(0) : parsed;
}

/**
 * Money, prices, volumes and rates: a string on the wire ("64123.45"), a
 * decimal.js Decimal in code, `numeric` in PostgreSQL — never a binary float.
 */
export const DecimalScalar = new GraphQLScalarType<Decimal, string>({
  name: 'Decimal',
  description: 'An exact decimal number, written as a string such as "64123.45" (never a binary float)',
  serialize(value) {
    if (Decimal.isDecimal(value)) return (value as Decimal).toFixed();
    if (typeof value === 'string' && DECIMAL_TEXT.test(value)) return new Decimal(value).toFixed();
    throw new TypeError('Decimal fields must resolve to a Decimal or decimal text');
  },
  parseValue: (value) => parseDecimal(value),
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new BadUserInputError('Decimal values are written as strings, such as "64123.45"');
    return parseDecimal(ast.value);
  },
});

/**
 * Points in time: ISO-8601 (RFC 3339) strings with a zone on the wire, UTC `Date` in code. Only
 * years 1 to 9999, which PostgreSQL stores: year 0 (RFC 3339 allows it) had reached the stores
 * and failed there as an internal error.
 */
export const DateTimeScalar = new GraphQLScalarType<Date, Date>({
  ...DateTimeResolver.toConfig(),
  parseValue: (value) => storable(DateTimeResolver.parseValue(value)),
  parseLiteral: (ast, variables) => storable(DateTimeResolver.parseLiteral(ast, variables)),
});

function storable(time: Date): Date {
  if (!isStorableTime(time)) throw new BadUserInputError('A time must fall in the years 1 to 9999');
  return time;
}

/** Free-form JSON (e.g. the indicator values of an alert): `JSON` on the wire. */
export const JsonScalar = JSONResolver;
