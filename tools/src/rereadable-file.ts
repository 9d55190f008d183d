import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * `file` as a path that can be read more than once, for `use`: a regular file as it is; anything
 * else (a pipe: `/dev/stdin`, `<(zcat export.csv.gz)`) copied first to a temporary file, removed after.
 * Reopening a pipe once it has been read gives nothing, so a second pass would read an empty file.
 */
export async function withRereadableFile<T>(file: string, use: (rereadable: string) => Promise<T>): Promise<T> {
  if (fs.statSync(file).isFile()) return use(file);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-import-'));
  try {
    const copy = path.join(dir, path.basename(file) || 'input');
    await pipeline(fs.createReadStream(file), fs.createWriteStream(copy));
    return await use(copy);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
