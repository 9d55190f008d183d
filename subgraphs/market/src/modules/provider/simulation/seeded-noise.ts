/*
 * Seeded randomness by hashing instead of a stateful generator: the draw for
 * (key, index) is a pure function of both, so any point of a simulated series
 * can be computed on its own, in any order. MurmurHash3's 32-bit mixing steps
 * use integer maths only, which gives the same bits on every platform.
 */

// Bound once: a global lookup (Math) on every call costs ~50× more inside a vm
// context such as Jest's sandbox, and these run thousands of times a round.
const { imul, sqrt, log, cos, floor, PI } = Math;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const TWO_POW_32 = 4294967296;

function mixWord(hash: number, word: number): number {
  let k = imul(word, C1);
  k = (k << 15) | (k >>> 17);
  k = imul(k, C2);
  let h = hash ^ k;
  h = (h << 13) | (h >>> 19);
  return (imul(h, 5) + 0xe6546b64) | 0;
}

function finish(hash: number, length: number): number {
  let h = hash ^ length;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of `text`, used to turn a seed and a series name into a key. */
export function hashString(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = mixWord(h, text.charCodeAt(i));
  return finish(h, text.length);
}

/**
 * A standard normal draw fixed by `key` and a non-negative integer `index`
 * (up to 2^53): Box–Muller on two uniforms hashed from both.
 */
export function seededGaussian(key: number, index: number): number {
  const base = mixWord(mixWord(key, index >>> 0), floor(index / TWO_POW_32));
  // +1 keeps u1 out of 0, where the logarithm would be infinite.
  const u1 = (finish(mixWord(base, 1), 12) + 1) / (TWO_POW_32 + 1);
  const u2 = finish(mixWord(base, 2), 12) / TWO_POW_32;
  return sqrt(-2 * log(u1)) * cos(2 * PI * u2);
}
