import { EventEmitter } from 'node:events';
import { parse } from 'graphql';
import { MessageType, stringifyMessage } from 'graphql-ws';
import { Logger } from '@herck/common';
import { ConnectionOutbox, OutgoingSocket } from '../src/live/connection-outbox';
import { EventStream, SharedEvent } from '../src/live/event-stream';
import { PreformattedError } from '../src/live/preformatted-error';
import { conflationFor } from '../src/live/tick-conflation';

/** A socket that keeps what it is sent; `bufferedAmount` is set by the test to play a client that stops reading. */
class RecordingSocket extends EventEmitter implements OutgoingSocket {
  readonly sent: string[] = [];
  bufferedAmount = 0;
  readyState = 1;

  send(data: string): void {
    this.sent.push(data);
  }
}

const limits = { maxQueuedEvents: 2, maxBufferedBytes: 1_000 };
const logger = new Logger('test', 'error');

/** A stream of `ticks` (conflated) on the socket, or of events that must not be merged. */
function streamOn(socket: RecordingSocket, id: string, { conflates = true } = {}) {
  const conflate = conflates ? conflationFor(parse('subscription { ticks { symbol price } }'), undefined) : undefined;
  const outbox = new ConnectionOutbox(socket, limits, 'test', logger);
  const detached: EventStream[] = [];
  return { outbox, detached, stream: new EventStream(id, outbox, conflate, (stream) => detached.push(stream)) };
}

const ticks = (...items: [string, string][]) => new SharedEvent({ data: { ticks: items.map(([symbol, price]) => ({ symbol, price })) } });

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("a client subscription's event stream", () => {
  it("writes each event as graphql-ws's own next message, errors in their wire form", () => {
    const socket = new RecordingSocket();
    const { stream } = streamOn(socket, 'a "quoted" id');
    const result = { data: { ticks: null }, errors: [new PreformattedError({ message: 'Forbidden', path: ['ticks'], extensions: { code: 'FORBIDDEN' } })] };
    stream.push(new SharedEvent(result));
    expect(socket.sent).toEqual([stringifyMessage({ id: 'a "quoted" id', type: MessageType.Next, payload: { data: result.data, errors: result.errors.map((error) => error.toJSON()) } })]);
  });

  it('serializes an event once however many clients it goes to', () => {
    let serialized = 0;
    const event = new SharedEvent({ data: { toJSON: () => (serialized += 1) && { ticks: [] } } });
    const sockets = [new RecordingSocket(), new RecordingSocket(), new RecordingSocket()];
    sockets.forEach((socket, index) => streamOn(socket, String(index)).stream.push(event));
    expect(serialized).toBe(1);
    expect(sockets.map((socket) => JSON.parse(socket.sent[0]!))).toEqual(['0', '1', '2'].map((id) => ({ id, type: 'next', payload: { data: { ticks: [] } } })));
  });

  it('holds events while the socket is full, merges ticks past the bound, then writes them in order before it ends', async () => {
    const socket = new RecordingSocket();
    const { stream, outbox } = streamOn(socket, '1');
    let ended = false;
    void stream.next().then((result) => (ended = result.done === true));

    socket.bufferedAmount = 5_000;
    stream.push(ticks(['BTC', '1']));
    stream.push(ticks(['ETH', '2']));
    stream.push(ticks(['BTC', '3']));
    expect(socket.sent).toEqual([]);
    expect(outbox.queued).toBe(2);
    expect(outbox.conflated).toBe(1);
    stream.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ended).toBe(false);

    socket.bufferedAmount = 0;
    await until(() => ended);
    expect(socket.sent.map((message) => JSON.parse(message).payload.data.ticks)).toEqual([
      [{ symbol: 'BTC', price: '1' }],
      // The newest BTC price replaced the unsent one; ETH, which the newer event lacked, was kept.
      [
        { symbol: 'BTC', price: '3' },
        { symbol: 'ETH', price: '2' },
      ],
    ]);
    expect(outbox.queued).toBe(0);
  });

  it('queues the newest round of a ticks subscription with nothing waiting even past the bound, so every subscription ends with it', async () => {
    const socket = new RecordingSocket();
    const { stream: busy, outbox } = streamOn(socket, 'busy');
    const quiet = new EventStream('quiet', outbox, conflationFor(parse('subscription { ticks { symbol price } }'), undefined), () => undefined);
    socket.bufferedAmount = 5_000;
    busy.push(ticks(['BTC', '1']));
    busy.push(ticks(['ETH', '2']));
    expect(outbox.full).toBe(true);
    quiet.push(ticks(['BTC', '3']));
    // Its one place past the bound: not dropped. A second round merges into it.
    expect([outbox.queued, outbox.dropped]).toEqual([3, 0]);
    quiet.push(ticks(['BTC', '4']));
    expect([outbox.queued, outbox.dropped, outbox.conflated]).toEqual([3, 1, 1]);
    socket.bufferedAmount = 0;
    await until(() => socket.sent.length === 3);
    expect(socket.sent.map((message) => JSON.parse(message)).filter((message) => message.id === 'quiet').map((message) => message.payload.data.ticks)).toEqual([[{ symbol: 'BTC', price: '4' }]]);
    socket.emit('close');
  });

  it('drops what is not conflatable past the bound, and counts it', () => {
    const socket = new RecordingSocket();
    const { stream, outbox } = streamOn(socket, '1', { conflates: false });
    socket.bufferedAmount = 5_000;
    for (let i = 0; i < 4; i += 1) stream.push(new SharedEvent({ data: { candles: { close: String(i) } } }));
    expect(outbox.queued).toBe(2);
    expect(outbox.dropped).toBe(2);
    expect(outbox.conflated).toBe(0);
    socket.emit('close');
  });

  it("delivers the error that ends a subscription even past the connection's bound, before it finishes", async () => {
    const socket = new RecordingSocket();
    const { stream, outbox } = streamOn(socket, '1', { conflates: false });
    let finished = false;
    stream.onFinished(() => (finished = true));
    socket.bufferedAmount = 5_000;
    stream.push(new SharedEvent({ data: { candles: { close: '1' } } }));
    stream.push(new SharedEvent({ data: { candles: { close: '2' } } }));
    expect(outbox.full).toBe(true);
    stream.end(new SharedEvent({ data: null, errors: [new PreformattedError({ message: 'The live data source is unavailable', extensions: { code: 'INTERNAL_SERVER_ERROR' } })] }));
    socket.bufferedAmount = 0;
    await until(() => finished);
    expect(socket.sent.map((message) => JSON.parse(message).payload)).toEqual([
      { data: { candles: { close: '1' } } },
      { data: { candles: { close: '2' } } },
      { data: null, errors: [{ message: 'The live data source is unavailable', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] },
    ]);
    expect(outbox.dropped).toBe(0);
  });

  it('writes nothing once the client completed, gives back its queue and detaches once', async () => {
    const socket = new RecordingSocket();
    const { stream, outbox, detached } = streamOn(socket, '1');
    socket.bufferedAmount = 5_000;
    stream.push(ticks(['BTC', '1']));
    await expect(stream.return()).resolves.toEqual({ value: undefined, done: true });
    await expect(stream.next()).resolves.toEqual({ value: undefined, done: true });
    await stream.return();
    socket.bufferedAmount = 0;
    stream.push(ticks(['BTC', '2']));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(socket.sent).toEqual([]);
    expect(outbox.queued).toBe(0);
    expect(detached).toHaveLength(1);
  });

  it('sends nothing to a socket that is no longer open', () => {
    const socket = new RecordingSocket();
    const { stream } = streamOn(socket, '1');
    socket.readyState = 3;
    stream.push(ticks(['BTC', '1']));
    expect(socket.sent).toEqual([]);
  });
});
