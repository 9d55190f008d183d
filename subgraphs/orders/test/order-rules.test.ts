import os from 'node:os';
import Decimal from 'decimal.js';
import { ConfigError } from '@herck/common';
import { readOrdersConfig } from '../src/env';
import { freshEnough, idempotencyKey, orderAmount, quantityFor } from '../src/modules/order/order-rules';

describe('the quantity an order buys', () => {
  it('is amount / price rounded down to 8 decimals, never rounded up on the way', () => {
    // A tiny price: the quotient has 15 integer digits, so 20 significant digits leave only 5 decimals.
    const amount = new Decimal('999999.99');
    const price = new Decimal('0.00000000108704858917');
    const quantity = quantityFor(amount, price);
    const exact = Decimal.clone({ precision: 200 });
    expect(quantity.toFixed()).toBe('919922071527212.3386569');
    expect(quantity.toFixed()).toBe(new exact(amount).div(price).toDecimalPlaces(8, Decimal.ROUND_DOWN).toFixed());
    expect(quantity.decimalPlaces()).toBeLessThanOrEqual(8);
    // Never more than the amount pays for.
    expect(new exact(quantity).times(price).lte(amount)).toBe(true);
    // At 20 significant digits the quotient was rounded up first: 919922071527212.33866, more than paid for.
    expect(quantity.toFixed()).not.toBe('919922071527212.33866');
  });

  it('keeps 8 decimals of a large quantity', () => {
    expect(quantityFor(new Decimal('999999.99'), new Decimal('0.000000001234567')).toFixed()).toBe('810000583200425.73631078');
  });
});

describe('the amount of an order', () => {
  const max = new Decimal('50000');
  const refusal = (amount: string) => {
    try {
      orderAmount(new Decimal(amount), max);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('may be exactly ORDER_MAX_AMOUNT, not a cent more', () => {
    expect(orderAmount(new Decimal('50000'), max).toFixed()).toBe('50000');
    expect(orderAmount(new Decimal('49999.99'), max).toFixed()).toBe('49999.99');
    expect(refusal('50000.01')).toBe('amount must be at most 50000');
  });
});

describe('a price or rate an order is priced from', () => {
  it('may be exactly ORDER_PRICE_MAX_AGE_SECONDS (or ORDER_FX_MAX_AGE_SECONDS) old, not a millisecond more', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const ago = (ms: number) => new Date(now.getTime() - ms);
    expect(freshEnough(ago(0), now, 120)).toBe(true);
    expect(freshEnough(ago(120_000), now, 120)).toBe(true);
    expect(freshEnough(ago(120_001), now, 120)).toBe(false);
    expect(freshEnough(ago(3_600_000), now, 3_600)).toBe(true);
    expect(freshEnough(ago(3_600_001), now, 3_600)).toBe(false);
  });
});

describe('an idempotency key', () => {
  it('counts characters, not UTF-16 units, and refuses lone surrogates (PostgreSQL would store each as U+FFFD)', () => {
    expect(idempotencyKey('😀'.repeat(100))).toBe('😀'.repeat(100));
    expect(() => idempotencyKey('😀'.repeat(101))).toThrow('1 to 100 characters');
    expect(() => idempotencyKey('')).toThrow('1 to 100 characters');
    expect(() => idempotencyKey('a\ud800')).toThrow('well-formed');
    expect(() => idempotencyKey('a\udc00')).toThrow('well-formed');
  });
});

describe('ORDER_MAX_AMOUNT', () => {
  it('must be a positive amount: 0 would refuse every order', () => {
    const problems = (value: string) => {
      try {
        readOrdersConfig({ ORDER_MAX_AMOUNT: value, HERCK_DATA_DIR: os.tmpdir(), DATABASE_URL: 'postgres://127.0.0.1:5432/herck' });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems('250000.50')).toEqual([]);
    for (const value of ['0', '0.00', '-5', '1e6']) expect(problems(value)).toEqual([expect.stringMatching(/^ORDER_MAX_AMOUNT /)]);
  });
});
