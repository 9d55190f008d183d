/** What a condition sees of MACD, Bollinger bands and the stochastic oscillator (checked field names in CEL). */
export class MacdValue {
  constructor(
    readonly line: number,
    readonly signal: number,
    readonly histogram: number,
  ) {}
}

export class BandsValue {
  constructor(
    readonly upper: number,
    readonly middle: number,
    readonly lower: number,
  ) {}
}

export class StochValue {
  constructor(
    readonly k: number,
    readonly d: number,
  ) {}
}

export type IndicatorValue = number | MacdValue | BandsValue | StochValue;
