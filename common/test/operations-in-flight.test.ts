import { OperationsInFlight } from '../src/server/operations-in-flight';

type Hooks = { willSendResponse: () => Promise<void> };

describe('operations in flight', () => {
  it('settle once every started operation has answered, however its client went', async () => {
    const inFlight = new OperationsInFlight();
    const plugin = inFlight.plugin() as unknown as { requestDidStart: () => Promise<Hooks> };
    const first = await plugin.requestDidStart();
    const second = await plugin.requestDidStart();
    let settled = false;
    const waiting = inFlight.settled(60_000).then(() => (settled = true));
    await first.willSendResponse();
    await first.willSendResponse(); // an answer counted once
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    await second.willSendResponse();
    await waiting;
    expect(settled).toBe(true);
  });

  it('stop waiting after the bound', async () => {
    const inFlight = new OperationsInFlight();
    const plugin = inFlight.plugin() as unknown as { requestDidStart: () => Promise<Hooks> };
    await plugin.requestDidStart();
    const started = Date.now();
    await inFlight.settled(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});
