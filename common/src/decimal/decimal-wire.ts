import Decimal from 'decimal.js';
import { exact } from './exact-decimal';

/** A Decimal on its way between threads: structured cloning keeps a Decimal's fields but not its class. */
interface WireDecimal {
  $decimal: string;
}

/** The value with every Decimal in it (in arrays and plain objects, at any depth) written as its exact digits. */
export function toWire(value: unknown): unknown {
  if (Decimal.isDecimal(value)) return { $decimal: (value as Decimal).toString() } satisfies WireDecimal;
  if (Array.isArray(value)) return value.map(toWire);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toWire(item)]));
  return value;
}

/** toWire's inverse: every written Decimal read back exactly (as an ExactDecimal, which later arithmetic does not round). */
export function fromWire<T>(value: unknown): T {
  return read(value) as T;
}

function read(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(read);
  if (!isPlainObject(value)) return value;
  if (typeof value.$decimal === 'string') return exact(value.$decimal);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, read(item)]));
}

/**
 * An object literal's kind, from this realm or another: a message from a thread is built in the
 * receiving process's main realm, which is not the one code runs in under Jest.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}
