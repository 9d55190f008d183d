import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The compiled module (`npm run build`, as `npm test` runs first), run by a supervisor and its workers as GATEWAY_WORKERS runs them. */
const CONNECTION_COUNTS = path.join(__dirname, '..', 'dist', 'src', 'cluster', 'connection-counts.js');

describe('connection counts across gateway workers', () => {
  it("take the supervisor's answer that came in time, even when the worker's event loop reads it only after its deadline", () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-counts-'));
    const flag = path.join(folder, 'answered');
    // Limit 1. The first worker asks for a place, then its event loop is held (a long synchronous job) until the
    // supervisor has answered and the worker's 1 s deadline has passed; then a second worker asks for the same account.
    const script = `
      const cluster = require('node:cluster');
      const fs = require('node:fs');
      const { connectionCounts, superviseConnectionCounts } = require(${JSON.stringify(CONNECTION_COUNTS)});
      const flag = ${JSON.stringify(flag)};
      if (cluster.isPrimary) {
        superviseConnectionCounts();
        // Registered after the supervisor's own listener: runs once it has answered.
        cluster.on('message', (worker, message) => {
          if (message && message.type === 'open') fs.writeFileSync(flag, '');
          if (message && message.role === 'first') cluster.fork({ ROLE: 'second' });
          if (message && message.role) console.log(JSON.stringify(message));
          if (message && message.role === 'second') process.exit(0);
        });
        cluster.fork({ ROLE: 'first' });
      } else {
        const opening = connectionCounts(1).open('account');
        if (process.env.ROLE === 'first') for (const started = Date.now(); Date.now() - started < 1_100 || !fs.existsSync(flag); );
        opening.then((release) => process.send({ role: process.env.ROLE, opened: Boolean(release) }));
        setInterval(() => undefined, 1_000);
      }`;
    // A file, not `node -e`: node:cluster starts the workers from the primary's script.
    const file = path.join(folder, 'gateway-workers.js');
    fs.writeFileSync(file, script);
    const child = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 });
    fs.rmSync(folder, { recursive: true, force: true });
    const lines = child.stdout.split('\n').filter((line) => line.startsWith('{'));
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { role: 'first', opened: true },
      // The first holds the account's one place: it was counted by the supervisor, not by the worker alone.
      { role: 'second', opened: false },
    ]);
  });
});
