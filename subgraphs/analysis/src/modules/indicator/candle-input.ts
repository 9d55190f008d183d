/** One candle as indicators read it; the live candle changes with every tick until it closes. */
export interface CandleInput {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}
