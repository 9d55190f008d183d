/**
 * `@herck/common/decimal`: exact decimals and their passage between threads, without the rest of
 * common (a worker thread that loaded its index took 2.3 s and 67 MB to start).
 */
export * from './exact-decimal';
export * from './decimal-wire';
