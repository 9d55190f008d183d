export * from './env';
export * from './schema';
export * from './server';
export * from './store';
export { CandleImportService } from './modules/candle/candle-import.service';
export { CandleCsvHeaderError, parseCandleCsvStream } from './modules/candle/candle-csv.stream';
export { CANDLE_INTERVALS, isCandleInterval } from './modules/candle/candle-interval';
export type { CandleInterval } from './modules/candle/candle-interval';
export { normaliseSymbol } from './modules/asset/symbol-rules';
