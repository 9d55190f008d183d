import { Readable } from 'node:stream';
import { parseCandleCsv } from '../src/modules/candle/candle-csv';
import { CandleCsvBatch, CandleCsvHeaderError, parseCandleCsvStream } from '../src/modules/candle/candle-csv.stream';

const HEADER = 'time,open,high,low,close,volume';

/** A file from its lines, header first. */
const csv = (...lines: string[]): string => [HEADER, ...lines].join('\n') + '\n';

/** Rows as plain text, to compare exactly. */
function plain(text: string) {
  const result = parseCandleCsv(text);
  return {
    ...result,
    rows: result.rows.map((row) => ({
      line: row.line,
      openTime: row.openTime.toISOString(),
      ohlcv: [row.open, row.high, row.low, row.close, row.volume].map((d) => d.toFixed()),
    })),
  };
}

describe('parseCandleCsv', () => {
  it('reads every form of time as the candle open time, in UTC when no zone is given', () => {
    const formats = [
      '2024-03-01T12:00:00Z',
      '2024-03-01T12:00:00',
      '2024-03-01 12:00:00',
      '2024-03-01T12:00',
      '2024-03-01T14:00:00+02:00',
      '2024-03-01T07:00:00-0500',
      '2024-03-01T12:00:00.000Z',
      '2024-03-01t12:00:00.000000z',
      '1709294400',
      '1709294400.000',
      '1709294400000',
    ];
    const result = plain(csv(...formats.map((time) => `${time},1,1,1,1,1`)));

    expect(result.errors).toEqual([]);
    expect(result.rows.map((row) => row.openTime)).toEqual(formats.map(() => '2024-03-01T12:00:00.000Z'));
    expect(result.rows.map((row) => row.line)).toEqual(formats.map((_, i) => i + 2));
  });

  it('reads a date alone as midnight UTC, and fractional seconds to the millisecond', () => {
    const result = plain(csv('2024-03-01,1,1,1,1,1', '1709294400.25,1,1,1,1,1', '2024-03-01T12:00:00.5Z,1,1,1,1,1'));

    expect(result.rows.map((row) => row.openTime)).toEqual([
      '2024-03-01T00:00:00.000Z',
      '2024-03-01T12:00:00.250Z',
      '2024-03-01T12:00:00.500Z',
    ]);
  });

  it('tells Unix seconds from milliseconds by magnitude', () => {
    const result = plain(csv('99999999999,1,1,1,1,1', '100000000000,1,1,1,1,1', '0,1,1,1,1,1'));

    expect(result.rows.map((row) => row.openTime)).toEqual([
      new Date(99_999_999_999_000).toISOString(),
      new Date(100_000_000_000).toISOString(),
      '1970-01-01T00:00:00.000Z',
    ]);
  });

  it('accepts a BOM, CRLF line ends, and a header in any case with spaces', () => {
    const text = '\uFEFF Time , OPEN,High,low,Close,VOLUME\r\n2024-03-01T12:00:00Z,1,2,0.5,1.5,10\r\n';
    const result = plain(text);

    expect(result.headerError).toBeNull();
    expect(result.rows).toEqual([
      { line: 2, openTime: '2024-03-01T12:00:00.000Z', ohlcv: ['1', '2', '0.5', '1.5', '10'] },
    ]);
  });

  it('keeps decimals exactly, exponent notation included', () => {
    const result = plain(
      csv('2024-03-01T12:00:00Z,64123.456789012345678,64200.1,64000.000000000000000001,64123.456789012345678,1.5e3'),
    );

    expect(result.rows[0].ohlcv).toEqual([
      '64123.456789012345678',
      '64200.1',
      '64000.000000000000000001',
      '64123.456789012345678',
      '1500',
    ]);
  });

  it.each([
    ['a wrong header', 'time,open,high,low,close\n2024-03-01,1,1,1,1\n', /header must be "time,open,high,low,close,volume"/],
    ['columns in another order', 'open,time,high,low,close,volume\n1,2024-03-01,1,1,1,1\n', /found "open,time,high,low,close,volume"/],
    ['no header', '2024-03-01,1,1,1,1,1\n', /header must be/],
    ['an empty file', '', /the file is empty/],
    ['only blank lines', '\n\n  \n', /the file is empty/],
  ])('imports nothing from a file with %s', (_, text, message) => {
    const result = parseCandleCsv(text);

    expect(result.headerError).toMatch(message);
    expect(result.rows).toEqual([]);
    expect(result.errors).toEqual([]);
  });

  it('reports each kind of bad row with its line and keeps the good rows', () => {
    const good = '2024-03-01T12:00:00Z,1,2,0.5,1.5,10';
    const text = [
      HEADER, //                                           1
      good, //                                             2
      '2024-03-01T12:00:00Z,1,2,0.5,1.5', //               3
      '2024-03-01T12:00:00Z,1,2,0.5,1.5,10,7', //          4
      '', //                                               5
      'yesterday,1,2,0.5,1.5,10', //                       6
      '2024-02-30T00:00:00Z,1,2,0.5,1.5,10', //            7
      '2024-03-01T12:00:00+25:00,1,2,0.5,1.5,10', //       8
      '1709294400.0001,1,2,0.5,1.5,10', //                 9
      '2024-03-01T12:00:00Z,-1,2,0.5,1.5,10', //           10
      '2024-03-01T12:00:00Z,1,2,0.5,1.5,NaN', //           11
      '2024-03-01T12:00:00Z,Infinity,2,0.5,1.5,10', //     12
      '2024-03-01T12:00:00Z,0x10,2,0.5,1.5,10', //         13
      '2024-03-01T12:00:00Z,1,,0.5,1.5,10', //             14
      '2024-03-01T12:00:00Z,1,1e99999999999999999,0.5,1.5,10', // 15
      '2024-03-01T12:00:00Z,1,0.5,2,1.5,10', //            16
      '2024-03-01T12:00:00Z,3,2,0.5,1.5,10', //            17
      '2024-03-01T12:00:00Z,1,2,0.5,0.1,10', //            18
      'soon,-1,x,0.5,1.5,10', //                           19
      '   ,  ,', //                                        20
      good, //                                             21
    ].join('\n');
    const result = parseCandleCsv(text);

    expect(result.rows.map((row) => row.line)).toEqual([2, 21]);
    expect(result.errors).toEqual([
      { line: 3, message: 'expected 6 columns, found 5' },
      { line: 4, message: 'expected 6 columns, found 7' },
      { line: 6, message: 'time is not ISO-8601, Unix seconds or Unix milliseconds: "yesterday"' },
      { line: 7, message: 'time is not a valid date: "2024-02-30T00:00:00Z"' },
      { line: 8, message: 'time is not a valid date: "2024-03-01T12:00:00+25:00"' },
      { line: 9, message: 'time is more precise than a millisecond: "1709294400.0001"' },
      { line: 10, message: 'open is negative' },
      { line: 11, message: 'volume is not a decimal number: "NaN"' },
      { line: 12, message: 'open is not a decimal number: "Infinity"' },
      { line: 13, message: 'open is not a decimal number: "0x10"' },
      { line: 14, message: 'high is empty' },
      { line: 15, message: 'high is out of range: "1e99999999999999999"' },
      { line: 16, message: 'high below low' },
      { line: 17, message: 'open above high' },
      { line: 18, message: 'close below low' },
      {
        line: 19,
        message:
          'time is not ISO-8601, Unix seconds or Unix milliseconds: "soon"; open is negative; high is not a decimal number: "x"',
      },
    ]);
  });

  it('reads -0 as zero, as the Decimal scalar does, not as a negative amount', () => {
    const result = parseCandleCsv(csv('2024-03-01T12:00:00Z,1,2,1,1.5,-0'));
    expect(result.errors).toEqual([]);
    expect(result.rows.map((row) => row.volume.toString())).toEqual(['0']);
  });

  it('refuses a price of zero (a volume of zero is a quiet period)', () => {
    const result = parseCandleCsv(csv('2024-03-01T12:00:00Z,-0,2,0,1.5,0', '2024-03-01T13:00:00Z,0,0,0,0,0', '2024-03-01T14:00:00Z,1,1,1,1,0'));
    expect(result.errors).toEqual([
      { line: 2, message: 'open must be above 0; low must be above 0' },
      { line: 3, message: 'open must be above 0; high must be above 0; low must be above 0; close must be above 0' },
    ]);
    expect(result.rows.map((row) => row.line)).toEqual([4]);
  });

  it('refuses amounts no column holds however short their text, and keeps ordinary exponents', () => {
    const result = parseCandleCsv(csv('2024-03-01T12:00:00Z,1e200000,1e200000,1e200000,1e200000,1', '2024-03-01T13:00:00Z,1,1,1e-20000,1,1', '2024-03-01T14:00:00Z,1,1,1,1,1.5e-7'));
    expect(result.errors).toEqual([
      { line: 2, message: 'open is out of range: "1e200000"; high is out of range: "1e200000"; low is out of range: "1e200000"; close is out of range: "1e200000"' },
      { line: 3, message: 'low is out of range: "1e-20000"' },
    ]);
    expect(result.rows.map((row) => [row.line, row.volume.toFixed()])).toEqual([[4, '0.00000015']]);
  });

  it('numbers a row by the line it starts on, after a quoted field with a line break', () => {
    const result = parseCandleCsv(csv('"2024-03-01\nT12:00:00Z",1,1,1,1,1', '2024-03-01T12:00:00Z,1,1,1,1,1'));

    expect(result.errors).toEqual([{ line: 2, message: expect.stringContaining('time is not ISO-8601') }]);
    expect(result.rows.map((row) => row.line)).toEqual([4]);
  });

  it('reports malformed CSV at its line and keeps the rows before it', () => {
    const result = parseCandleCsv(csv('2024-03-01T12:00:00Z,1,1,1,1,1', '"2024-03-01"x,1,1,1,1,1', '2024-03-01,1,1,1,1,1'));

    expect(result.rows.map((row) => row.line)).toEqual([2]);
    expect(result.errors).toEqual([{ line: 3, message: expect.stringMatching(/^malformed CSV: .*the rest was not read$/) }]);
  });

  it('stops after maxRows data rows and reports the first row beyond', () => {
    const rows = Array.from({ length: 5 }, (_, i) => `${1709294400 + i * 60},1,1,1,1,1`);
    const result = parseCandleCsv(csv(...rows), { maxRows: 3 });

    expect(result.rows.map((row) => row.line)).toEqual([2, 3, 4]);
    expect(result.errors).toEqual([{ line: 5, message: 'more than 3 rows; the rest was not read' }]);
    expect(parseCandleCsv(csv(...rows), { maxRows: 5 }).errors).toEqual([]);
  });

  it('parses a file of 10 000 rows', () => {
    const text = csv(...minuteRows(10_000));
    const result = parseCandleCsv(text);

    expect(result.errors).toEqual([]);
    expect(result.rows).toHaveLength(10_000);
    expect(result.rows[9_999].line).toBe(10_001);
    expect(result.rows[9_999].openTime.toISOString()).toBe('2024-03-07T22:39:00.000Z');
    expect(result.rows[9_999].close.toFixed()).toBe('60998.9');
  });
});

/** `count` valid one-minute candles from 2024-03-01T00:00Z. */
function minuteRows(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const price = (50_000 + i * 1.1).toFixed(2);
    return `${new Date(Date.UTC(2024, 2, 1) + i * 60_000).toISOString()},${price},${price},${price},${price},${i}`;
  });
}

/** Every batch the stream yields, `text` fed in chunks of `chunkSize` characters. */
async function streamBatches(text: string, batchSize: number, chunkSize = 7): Promise<CandleCsvBatch[]> {
  const chunks = Array.from({ length: Math.ceil(text.length / chunkSize) }, (_, i) =>
    text.slice(i * chunkSize, (i + 1) * chunkSize),
  );
  const batches: CandleCsvBatch[] = [];
  for await (const batch of parseCandleCsvStream(Readable.from(chunks), batchSize)) batches.push(batch);
  return batches;
}

describe('parseCandleCsvStream', () => {
  it('yields the rows and errors parseCandleCsv finds, in batches', async () => {
    const text =
      '\uFEFF' +
      csv('2024-03-01T12:00:00Z,1,2,0.5,1.5,10', '2024-03-01T12:01:00Z,1,2', '', 'x,1,1,1,1,1', '1709294520,1,1,1,1,1');
    const batches = await streamBatches(text, 2);
    const whole = parseCandleCsv(text);

    expect(batches.map((b) => b.rows.length + b.errors.length)).toEqual([2, 2]);
    expect(batches.flatMap((b) => b.rows)).toEqual(whole.rows);
    expect(batches.flatMap((b) => b.errors)).toEqual(whole.errors);
    expect(whole.errors.map((e) => e.line)).toEqual([3, 5]);
  });

  it('streams 10 000 rows split mid-line', async () => {
    const batches = await streamBatches(csv(...minuteRows(10_000)), 1000, 4096);

    expect(batches).toHaveLength(10);
    expect(batches.every((b) => b.rows.length === 1000 && b.errors.length === 0)).toBe(true);
    expect(batches[9].rows[999].line).toBe(10_001);
  });

  it('throws a header error before yielding anything', async () => {
    await expect(streamBatches('time,price\n2024-03-01,1\n', 10)).rejects.toThrow(CandleCsvHeaderError);
    await expect(streamBatches('', 10)).rejects.toThrow('the file is empty');
  });

  it('ends malformed CSV with an error in the last batch', async () => {
    const batches = await streamBatches(csv('2024-03-01T12:00:00Z,1,1,1,1,1', '"2024"x,1,1,1,1,1'), 10);

    expect(batches.flatMap((b) => b.rows.map((r) => r.line))).toEqual([2]);
    expect(batches.flatMap((b) => b.errors)).toEqual([{ line: 3, message: expect.stringMatching(/^malformed CSV/) }]);
  });

  it('closes the input when the consumer stops early', async () => {
    const input = Readable.from([csv(...minuteRows(3_000))]);
    for await (const batch of parseCandleCsvStream(input, 1000)) {
      expect(batch.rows).toHaveLength(1000);
      break;
    }
    expect(input.destroyed).toBe(true);
  });

  it('throws a read error of the input', async () => {
    const failing = new Readable({
      read() {
        this.push(`${HEADER}\n2024-03-01T12:00:00Z,1,1,1,1,1\n`);
        this.destroy(new Error('disk gone'));
      },
    });
    const consume = async () => {
      for await (const batch of parseCandleCsvStream(failing, 10)) void batch;
    };
    await expect(consume()).rejects.toThrow('disk gone');
  });
});
