import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, getOperationAST, Kind, parse, validate } from 'graphql';
import { repositoryRoot } from '@herck/common';
import { operationLimits } from '../src/http/operation-limits';
import { operationLimitsRule } from '../src/http/operation-limits.rule';
import { variableCostErrors } from '../src/http/variable-cost';

const schema = buildSchema(fs.readFileSync(path.join(repositoryRoot(), 'schema', 'api.graphql'), 'utf8'));
const limits = { maxDepth: 10, maxAliases: 15, maxDirectives: 50, maxTokens: 2000, maxCost: 100_000 };
const armor = operationLimits(limits, false);
const rule = operationLimitsRule(armor.validationRules, limits.maxDirectives);

const validationErrors = (query: string) => validate(schema, parse(query), [rule]).map((error) => error.message);
const costErrors = (query: string, variables: Record<string, unknown>) => {
  const document = parse(query);
  return variableCostErrors(schema, document, getOperationAST(document)!, variables, armor.validationRules).map((error) => error.message);
};
const OVER_COST = /^Query Cost limit of 100000 exceeded, found [\d.]+\.$/;

const PAGE_OF_PAGES = 'query ($assets: Int, $candles: Int) { assets(first: $assets) { nodes { symbol candles(interval: M1, first: $candles) { nodes { open high low close } } } } }';

describe('the cost limit', () => {
  it('costs a page left out as the page its list gives by default: a page of default pages is over the limit', () => {
    expect(validationErrors('{ assets(first: 5) { nodes { candles(interval: M1) { nodes { open high low close } } } } }')).toEqual([]);
    expect(validationErrors('{ assets { nodes { candles(interval: M1) { nodes { open high low close } } } } }')).toEqual([expect.stringMatching(OVER_COST)]);
  });

  it("costs a page given in a variable as the request's variables ask for it", () => {
    // The document alone cannot know the pages: it passes validation.
    expect(validationErrors(PAGE_OF_PAGES)).toEqual([]);
    expect(costErrors(PAGE_OF_PAGES, { assets: 1000, candles: 1000 })).toEqual([expect.stringMatching(OVER_COST)]);
    expect(costErrors(PAGE_OF_PAGES, { assets: 3, candles: 100 })).toEqual([]);
    // Left out or null: the list's default page (100 assets of 100 candles).
    expect(costErrors(PAGE_OF_PAGES, {})).toEqual([expect.stringMatching(OVER_COST)]);
    expect(costErrors(PAGE_OF_PAGES, { assets: null, candles: 3 })).toEqual([]);
    // The variable's own default counts when the request leaves it out.
    expect(costErrors('query ($n: Int = 1000) { assets(first: $n) { nodes { candles(interval: M1, first: $n) { nodes { open } } } } }', {})).toEqual([expect.stringMatching(OVER_COST)]);
    // A value coercion will refuse is left to it.
    expect(costErrors(PAGE_OF_PAGES, { assets: 'many', candles: 2 })).toEqual([]);
  });

  it('costs only the operation that runs, with its own variables', () => {
    const document = parse(`query Small { assets(first: 2) { nodes { symbol } } } ${PAGE_OF_PAGES.replace('query (', 'query Large (')}`);
    const small = getOperationAST(document, 'Small')!;
    expect(variableCostErrors(schema, document, small, {}, armor.validationRules)).toEqual([]);
  });

  it("passes every operation of the clients' documents (ops/) with its default pages", () => {
    const opsDir = path.join(repositoryRoot(), 'ops');
    const files = fs.readdirSync(opsDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.graphql'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const document = parse(fs.readFileSync(path.join(opsDir, file), 'utf8'));
      expect({ file, errors: validate(schema, document, [rule]).map((error) => error.message) }).toEqual({ file, errors: [] });
      for (const operation of document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION)) {
        expect({ file, operation: operation.name?.value, errors: variableCostErrors(schema, document, operation, {}, armor.validationRules) }).toEqual({ file, operation: operation.name?.value, errors: [] });
      }
    }
  });
});
