import { Calculation } from './portfolio-calculations';

/** A calculation sent to a calculation thread. */
export interface CalculationRequest {
  id: number;
  calculation: Calculation;
}

/** Its answer: the figures (Decimals on the wire), or why there are none. */
export type CalculationReply =
  | { id: number; result: unknown }
  | {
      id: number;
      /** `input`: a PortfolioInputError (the ledger refused), which the caller maps to BAD_USER_INPUT; otherwise a fault. */
      error: { message: string; field?: string; input: boolean };
    };
