import { graphql } from 'graphql';
import { ANONYMOUS, Identity } from '@herck/common';
import { LiveFigures } from '../src/live/live.metrics';
import { buildGatewaySchema } from '../src/system/system-schema';
import { StatusMonitor, StatusReport } from '../src/system/status-monitor';
import { SystemResolver } from '../src/system/system.resolver';

/** A monitor whose latest probe found every subgraph ready. */
const monitor = { current: async (): Promise<StatusReport> => ({ checkedAt: new Date(), services: [], bus: [], healthy: true }) } as unknown as StatusMonitor;

describe('status', () => {
  it("gathers the live endpoint's figures only when `subscriptions` is asked for (with GATEWAY_WORKERS, from every worker)", async () => {
    let asked = 0;
    const live = async (): Promise<LiveFigures> => {
      asked += 1;
      return { connections: 3, active: 2, droppedEvents: 1 };
    };
    const schema = await buildGatewaySchema(new Map<Function, object>([[SystemResolver, new SystemResolver(monitor, live)]]));
    // Anyone's `healthy`: answered from the latest probe, without asking every worker for its metrics.
    expect(await graphql({ schema, source: '{ status { healthy } }', contextValue: { identity: ANONYMOUS } })).toEqual({ data: { status: { healthy: true } } });
    expect(asked).toBe(0);
    const admin: Identity = { accountId: 'admin', roles: ['ADMIN'] };
    expect(await graphql({ schema, source: '{ status { healthy subscriptions { connections active droppedEvents } } }', contextValue: { identity: admin } })).toEqual({
      data: { status: { healthy: true, subscriptions: { connections: 3, active: 2, droppedEvents: 1 } } },
    });
    expect(asked).toBe(1);
  });
});
