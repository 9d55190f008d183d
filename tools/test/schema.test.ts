import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildSchema, GraphQLNamedType, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, isSpecifiedScalarType } from 'graphql';
import { repositoryRoot } from '@herck/common';
import { composeSchemas } from '../src/supergraph';

const schemaDir = path.join(repositoryRoot(), 'schema');

describe('schema as code', () => {
  it('composes without errors, and the checked-in schema files match what the code produces (run `npm run compose`)', async () => {
    const { files, errors } = await composeSchemas();
    expect(errors).toEqual([]);
    expect([...files.keys()].sort()).toEqual(['account.graphql', 'analysis.graphql', 'api.graphql', 'auth.graphql', 'gateway.graphql', 'logs.graphql', 'market.graphql', 'orders.graphql', 'supergraph.graphql']);
    for (const [name, content] of files) {
      expect({ name, content: fs.readFileSync(path.join(schemaDir, name), 'utf8') }).toEqual({ name, content });
    }
  });

  it('comes out the same however many times the schemas are built in one process', async () => {
    // type-graphql's build reversed its process-wide list of directives each time: the second build put a
    // field's @requiresRole and @callerScoped the other way round (a subgraph restarted, or tests sharing a process).
    const [first, second] = [await composeSchemas(), await composeSchemas()];
    expect(second.files).toEqual(first.files);
  });

  it('the checked-in typed operations match ops/ and the API (run `npm run codegen`)', () => {
    const codegen = path.join(repositoryRoot(), 'node_modules', '.bin', 'graphql-codegen');
    const check = spawnSync(codegen, ['--config', 'codegen.ts', '--check'], { cwd: repositoryRoot(), encoding: 'utf8' });
    expect({ status: check.status, output: check.status === 0 ? '' : check.stdout + check.stderr }).toEqual({ status: 0, output: '' });
  });

  it('describes every type, field, argument and enum value clients can see', () => {
    const api = buildSchema(fs.readFileSync(path.join(schemaDir, 'api.graphql'), 'utf8'));
    const missing: string[] = [];
    const check = (what: string, description: string | null | undefined) => {
      if (!description?.trim()) missing.push(what);
    };
    for (const type of Object.values(api.getTypeMap()) as GraphQLNamedType[]) {
      if (type.name.startsWith('__') || (isScalarType(type) && isSpecifiedScalarType(type))) continue;
      check(type.name, type.description);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          check(`${type.name}.${field.name}`, field.description);
          for (const arg of field.args) check(`${type.name}.${field.name}(${arg.name})`, arg.description);
        }
      }
      if (isInputObjectType(type)) for (const field of Object.values(type.getFields())) check(`${type.name}.${field.name}`, field.description);
      if (isEnumType(type)) for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
    }
    expect(missing).toEqual([]);
  });

  it('gives every paged list its page size as the default of `first`, where introspection shows it', () => {
    // Market's history lists only said "(default 100)" in their descriptions: a client reading the schema saw no default.
    const api = buildSchema(fs.readFileSync(path.join(schemaDir, 'api.graphql'), 'utf8'));
    const withoutDefault: string[] = [];
    for (const type of Object.values(api.getTypeMap()) as GraphQLNamedType[]) {
      if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
      for (const field of Object.values(type.getFields())) {
        const first = field.args.find((arg) => arg.name === 'first');
        if (first && first.defaultValue === undefined) withoutDefault.push(`${type.name}.${field.name}`);
      }
    }
    expect(withoutDefault).toEqual([]);
  });
});
