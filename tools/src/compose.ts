import fs from 'node:fs';
import path from 'node:path';
import { repositoryRoot } from '@herck/common';
import { composeSchemas } from './supergraph';

/** `npm run compose`: regenerate `schema/*.graphql` from the subgraphs' code. */
async function main(): Promise<void> {
  const { files, errors } = await composeSchemas();
  if (errors.length) {
    console.error(`Composition failed:\n  ${errors.join('\n  ')}`);
    process.exit(1);
  }
  const dir = path.join(repositoryRoot(), 'schema');
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of files) {
    fs.writeFileSync(path.join(dir, name), content);
    console.log(`wrote schema/${name}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
