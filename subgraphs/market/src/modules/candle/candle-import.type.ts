import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A line of an imported file that was not imported, and why' })
export class CsvLineError {
  @Field(() => Int, { description: 'Line number in the file (the header is line 1)' })
  line!: number;

  @Field(() => String, { description: 'What is wrong with it' })
  message!: string;
}

@ObjectType({ description: 'The outcome of a candle import' })
export class CandleImport {
  @Field(() => Int, { description: 'Candles written (new, or different from what was stored)' })
  imported!: number;

  @Field(() => Int, { description: 'Valid rows identical to what was already stored' })
  skipped!: number;

  @Field(() => [CsvLineError], {
    description:
      'Rows left out of an imported file: candles not closed yet (an export often ends with the current one). A file with a bad row is refused as a whole instead (BAD_USER_INPUT on csv, its lines in extensions.lines)',
  })
  errors!: CsvLineError[];
}
