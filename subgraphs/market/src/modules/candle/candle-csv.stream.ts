import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import {
  CANDLE_CSV_PARSE_OPTIONS,
  candleCsvHeaderError,
  csvSyntaxError,
  CsvCandleRow,
  CsvRowError,
  parseCandleCsvRecord,
  recordStartLine,
} from './candle-csv';

/** A wrong or missing header: thrown before the first batch, so a wrong header imports nothing. */
export class CandleCsvHeaderError extends Error {
  override name = 'CandleCsvHeaderError';
}

/** The next stretch of a file: valid rows and row errors, in file order within each list. */
export interface CandleCsvBatch {
  rows: CsvCandleRow[];
  errors: CsvRowError[];
}

/**
 * `parseCandleCsv`'s validation over a stream, for files too large to hold:
 * yields a batch every `batchSize` data rows (valid or not). A read error of
 * `input` is thrown; malformed CSV ends the file with an error in the last batch.
 * The input is read only as fast as batches are taken.
 */
export async function* parseCandleCsvStream(
  input: Readable,
  batchSize = 1000,
): AsyncGenerator<CandleCsvBatch, void, undefined> {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  // The parser is fed by hand and hands records over through on_record: piped and iterated, a
  // syntax error would destroy it together with the records it had parsed but not yet passed on.
  const parsed: { fields: string[]; line: number }[] = [];
  const parser = parse({
    ...CANDLE_CSV_PARSE_OPTIONS,
    on_record: (fields, context) => {
      parsed.push({ fields, line: recordStartLine(context.lines, fields) });
      return null;
    },
  });
  // Errors are taken from the write and end callbacks; without a listener they would also crash the process.
  parser.on('error', () => {});

  let headerSeen = false;
  let batch: CandleCsvBatch = { rows: [], errors: [] };
  let failure: Error | null = null;
  const take = (): CandleCsvBatch[] => {
    const full: CandleCsvBatch[] = [];
    for (const { fields, line } of parsed.splice(0)) {
      if (!headerSeen) {
        const headerError = candleCsvHeaderError(fields);
        if (headerError) throw new CandleCsvHeaderError(headerError);
        headerSeen = true;
        continue;
      }
      const result = parseCandleCsvRecord(fields, line);
      if ('message' in result) batch.errors.push(result);
      else batch.rows.push(result);
      if (batch.rows.length + batch.errors.length >= batchSize) {
        full.push(batch);
        batch = { rows: [], errors: [] };
      }
    }
    return full;
  };

  try {
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      failure = await new Promise<Error | null>((resolve) => parser.write(chunk, (error) => resolve(error ?? null)));
      yield* take();
      if (failure) break;
    }
    failure ??= await new Promise<Error | null>((resolve) =>
      parser.end((error?: Error | null) => resolve(error ?? null)),
    );
    yield* take();
  } finally {
    // Also when the consumer stops early or the header is wrong (the input is closed by for-await).
    parser.destroy();
  }

  if (failure && !(failure instanceof CsvError)) throw failure;
  const malformed = failure ? csvSyntaxError(failure) : null;
  if (!headerSeen) throw new CandleCsvHeaderError(malformed?.message ?? 'the file is empty');
  if (malformed) batch.errors.push(malformed);
  if (batch.rows.length || batch.errors.length) yield batch;
}
