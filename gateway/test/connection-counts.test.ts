import { compiledClusterModule, runClusterScript } from './support/cluster-script';

const CONNECTION_COUNTS = compiledClusterModule('connection-counts');

describe('connection counts across gateway workers', () => {
  it("take the supervisor's answer that came in time, even when the worker's event loop reads it only after its deadline", () => {
    // Limit 1. The first worker asks for a place, then its event loop is held (a long synchronous job) until the
    // supervisor has answered and the worker's 1 s deadline has passed; then a second worker asks for the same account.
    const script = (flag: string) => `
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
    const lines = runClusterScript(script, 20_000).split('\n').filter((line) => line.startsWith('{'));
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { role: 'first', opened: true },
      // The first holds the account's one place: it was counted by the supervisor, not by the worker alone.
      { role: 'second', opened: false },
    ]);
  });
});
