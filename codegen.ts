import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the operations clients send (`ops/**`), checked against
 * the composed API. `npm run codegen` after changing an operation or the schema.
 */
const config: CodegenConfig = {
  schema: 'schema/api.graphql',
  documents: 'ops/**/*.graphql',
  generates: {
    'tools/test/support/operations.generated.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'string', Decimal: 'string', ID: 'string' },
      },
    },
  },
};

export default config;
