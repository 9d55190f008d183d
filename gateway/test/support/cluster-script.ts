import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A compiled module of the gateway's cluster code (`npm run build`, as `npm test` runs first). */
export function compiledClusterModule(name: string): string {
  return path.join(__dirname, '..', '..', 'dist', 'src', 'cluster', `${name}.js`);
}

/**
 * Runs `script(flag)` as a supervisor and its node:cluster workers run, as GATEWAY_WORKERS does, and
 * returns what it printed. `flag` is a file path of the run's own, for the script's processes to signal
 * each other (one waits until another has written it). Written to a file, not `node -e`: node:cluster
 * starts the workers from the primary's script.
 */
export function runClusterScript(script: (flag: string) => string, timeoutMs: number): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-cluster-'));
  try {
    const file = path.join(folder, 'gateway-workers.js');
    fs.writeFileSync(file, script(path.join(folder, 'flag')));
    return spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: timeoutMs }).stdout;
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}
