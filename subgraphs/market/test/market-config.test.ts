import { readMarketConfig } from '../src';

/** Market's own variables: their defaults, and a bad value named at start-up. */
const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' };

it('asks a failing provider three times a round unless told otherwise, and refuses attempts out of 1–10', () => {
  expect(readMarketConfig(base).providerAttempts).toBe(3);
  expect(readMarketConfig({ ...base, MARKET_PROVIDER_ATTEMPTS: '1' }).providerAttempts).toBe(1);
  expect(() => readMarketConfig({ ...base, MARKET_PROVIDER_ATTEMPTS: '0' })).toThrow(/MARKET_PROVIDER_ATTEMPTS must be a whole number from 1 to 10, got "0"/);
  expect(() => readMarketConfig({ ...base, MARKET_PROVIDER_ATTEMPTS: 'often' })).toThrow(/MARKET_PROVIDER_ATTEMPTS/);
});
