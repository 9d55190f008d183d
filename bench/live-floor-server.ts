import http from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { watchParent } from '@herck/common';

/**
 * The floor under `live.bench.ts`: a bare graphql-ws server that does nothing
 * but write each round, on its second's boundary, to every subscribed socket,
 * exactly as the gateway writes it (one serialization, one `ws` send per
 * socket). No store, no market, no checks: what its clients measure is what
 * the machine itself costs to move a round to the same crowd, the part of the
 * gateway's latency that no gateway code can remove here.
 *
 * `node live-floor-server.js <port> <symbols>`; `/readyz` answers once it listens.
 */
const port = Number(process.argv[2]);
const symbols = Number(process.argv[3] ?? 20);

const server = http.createServer((request, response) => {
  response.writeHead(request.url === '/readyz' ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
});
const sockets = new WebSocketServer({ server, handleProtocols: () => 'graphql-transport-ws' });
/** Each socket's subscription id (the crowd opens one per connection). */
const subscriptions = new Map<WebSocket, string>();

sockets.on('connection', (socket) => {
  socket.on('message', (data) => {
    let message: { type?: string; id?: string };
    try {
      message = JSON.parse(String(data)) as { type?: string; id?: string };
    } catch {
      return socket.close(4400, 'Invalid message received');
    }
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'subscribe' && message.id) subscriptions.set(socket, JSON.stringify(message.id));
    else if (message.type === 'ping') socket.send('{"type":"pong"}');
    else if (message.type === 'complete') subscriptions.delete(socket);
  });
  socket.on('close', () => subscriptions.delete(socket));
});

/** A round of `symbols` ticks shaped as the gateway sends `ticks { symbol price time }`, stamped with the round's time. */
function payload(time: Date): string {
  const ticks = Array.from({ length: symbols }, (_, index) => ({ symbol: `SYM${index}`, price: (100_000 + index * 37.5).toFixed(8), time: time.toISOString() }));
  return JSON.stringify({ data: { ticks } });
}

/** The boundary of the round last sent: a timer firing early must not send a round twice. */
let lastBoundary = 0;

function nextRound(): void {
  const boundary = Math.max(Math.ceil(Date.now() / 1000) * 1000, lastBoundary + 1000);
  lastBoundary = boundary;
  setTimeout(() => {
    const serialized = payload(new Date(boundary));
    for (const [socket, id] of subscriptions) {
      if (socket.readyState === WebSocket.OPEN) socket.send(`{"id":${id},"type":"next","payload":${serialized}}`);
    }
    nextRound();
  }, boundary - Date.now());
}

function stop(): void {
  for (const socket of sockets.clients) socket.terminate();
  server.close(() => process.exit(0));
}

server.listen(port, '127.0.0.1', nextRound);
process.on('SIGTERM', stop);
// Should the bench die without stopping it (kill -9), it stops too.
watchParent(stop);
