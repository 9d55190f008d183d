import { parentPort } from 'node:worker_threads';
import { PortfolioInputError } from '../math';
import { CalculationReply, CalculationRequest } from './calculation-messages';
import { toWire } from '@herck/common/decimal';
import { calculate } from './portfolio-calculations';

/** A thread of the PortfolioCalculator: runs each calculation it is sent, one after another. */
const port = parentPort!;

port.on('message', ({ id, calculation }: CalculationRequest) => {
  let reply: CalculationReply;
  try {
    reply = { id, result: toWire(calculate(calculation)) };
  } catch (error) {
    const input = error instanceof PortfolioInputError;
    reply = { id, error: { message: (error as Error).message, field: input ? error.field : undefined, input } };
  }
  port.postMessage(reply);
});
