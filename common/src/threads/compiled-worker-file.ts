import path from 'node:path';

/**
 * The compiled script of the worker thread `workerName` that lives beside `moduleFile` (the
 * caller's `__filename`). Under ts-jest the caller runs from `src/*.ts`; worker threads are
 * plain Node, so they run the build (`npm test` builds first). The package's own `src` is the
 * last one in the path: a checkout under a folder named `src` keeps its name.
 */
export function compiledWorkerFile(moduleFile: string, workerName: string): string {
  const folder = path.dirname(moduleFile);
  const source = `${path.sep}src${path.sep}`;
  const at = `${folder}${path.sep}`.lastIndexOf(source);
  const compiled = moduleFile.endsWith('.ts') && at >= 0 ? `${folder.slice(0, at)}${path.sep}dist${folder.slice(at)}` : folder;
  return path.join(compiled, `${workerName}.js`);
}
