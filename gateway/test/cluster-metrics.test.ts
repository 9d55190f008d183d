import { compiledClusterModule, runClusterScript } from './support/cluster-script';

const CLUSTER_METRICS = compiledClusterModule('cluster-metrics');

describe('metrics across gateway workers', () => {
  it("answer the supervisor's sum that came in time, even when the scraped worker's event loop reads it only after its deadline", () => {
    // Two workers counting 500 and 100. The second is scraped once, then again, and its event loop is held (a long
    // synchronous job) until the supervisor has sent its sum and the worker's 4 s deadline has passed.
    const script = (flag: string) => `
      const cluster = require('node:cluster');
      const fs = require('node:fs');
      const { superviseMetrics, WorkerMetricsRegistry } = require(${JSON.stringify(CLUSTER_METRICS)});
      const flag = ${JSON.stringify(flag)};
      if (cluster.isPrimary) {
        superviseMetrics();
        const send = cluster.Worker.prototype.send;
        cluster.Worker.prototype.send = function (message, ...rest) {
          const sent = send.call(this, message, ...rest);
          if (message && message.type === 'scraped' && message.id === 2) fs.writeFileSync(flag, '');
          return sent;
        };
        cluster.on('message', (worker, message) => {
          if (message && message.role === 'counted') cluster.fork({ COUNT: '100' });
          if (message && message.scraped) {
            console.log(JSON.stringify(message.scraped));
            process.exit(0);
          }
        });
        cluster.fork({ COUNT: '500' });
      } else {
        const metrics = new WorkerMetricsRegistry('gateway');
        metrics.counter({ name: 'probes_total', help: 'Probes.' }).inc(Number(process.env.COUNT));
        const probes = async (text) => Number(/probes_total{service="gateway"} (\\d+)/.exec(await text)[1]);
        if (process.env.COUNT === '500') process.send({ role: 'counted' });
        else
          void (async () => {
            const first = await probes(metrics.exposition());
            const asking = metrics.exposition();
            for (const started = Date.now(); Date.now() - started < 4_100 || !fs.existsSync(flag); );
            process.send({ scraped: [first, await probes(asking)] });
          })();
        setInterval(() => undefined, 1_000);
      }`;
    // Both scrapes count both workers: the second is not this worker's 100 alone (which Prometheus reads as a reset).
    expect(runClusterScript(script, 30_000).trim()).toBe(JSON.stringify([600, 600]));
  });
});
