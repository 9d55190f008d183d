import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { CloseCode, handleProtocols, makeServer, MessageType, ServerOptions } from 'graphql-ws';
import WebSocket, { WebSocketServer } from 'ws';
import { Logger, runWithRequestId } from '@herck/common';
import { MAX_VARIABLE_DEPTH, nestsDeeperThan } from '../auth/variable-errors';
import { clientIdOf, OperationIds } from './operation-ids';

/** What graphql-ws hands the hooks about a connection: its socket and the upgrade request. */
export interface Extra {
  readonly socket: WebSocket;
  readonly request: http.IncomingMessage;
}

/** Pings every this often; a client that has not answered the last one by the next is cut. */
const KEEP_ALIVE_MS = 12_000;

export interface SocketLimits {
  /** Bytes of the largest operation a client may send (BODY_LIMIT); a larger `subscribe` gets its `error`. */
  messageLimit: number;
  /** Bytes a socket may hold unsent when another answer or pong is due; past them the client is cut. */
  maxUnsentBytes: number;
}

/** Told when a client sends `complete` for an operation still running (graphql-ws has no hook for one still in `onSubscribe`). */
export type OnClientComplete = (socket: WebSocket, operationId: string) => void;

/** HTTP's answer to a body over the limit (413), as an operation's `error` payload. */
const TOO_LARGE = [{ message: 'Request body too large', extensions: { code: 'BAD_REQUEST' } }];
/** HTTP's answer to variables nested past any input (see MAX_VARIABLE_DEPTH), as an operation's `error` payload. */
const TOO_DEEP = [{ message: `The operation nests lists or objects more than ${MAX_VARIABLE_DEPTH} levels deep.`, extensions: { code: 'BAD_USER_INPUT' } }];
/** Levels of a `subscribe` message above its variables' values: the message, its payload, its variables. */
const LEVELS_ABOVE_VALUES = 3;
/** How a message refused before graphql-ws reads it closes the socket when it is no operation to answer. */
const OVERSIZED_CLOSE = { code: 1009, reason: 'Message too big' };
/** Messages of the protocol that only a server sends. */
const SERVER_ONLY_TYPES = new Set<string>([MessageType.ConnectionAck, MessageType.Next, MessageType.Error]);
const TOO_DEEP_CLOSE = { code: CloseCode.BadRequest, reason: `Message nested more than ${MAX_VARIABLE_DEPTH + LEVELS_ABOVE_VALUES} levels deep` };

/**
 * graphql-ws's server core on a `ws` server, as graphql-ws/use/ws serves it
 * (keep-alive pings, protocol negotiation, 4500 on a failure of ours), with
 * these differences: each operation reaches the core under an id of its own
 * (`OperationIds`; the client never sees them); a `subscribe` larger than
 * `messageLimit` bytes is refused as that operation's `error`, as HTTP refuses
 * such a body (a 1009 close, which graphql-ws clients do not retry, ended every
 * other subscription of the client for good); a client that leaves more than
 * `maxUnsentBytes` unread is cut; and errors go to the log rather than the
 * console. The server's own `maxPayload` stays the hard bound on any message.
 */
export function serveGraphqlWs<P extends Record<string, unknown> | undefined>(
  options: ServerOptions<P, Extra>,
  sockets: WebSocketServer,
  logger: Logger,
  limits: SocketLimits,
  onClientComplete?: OnClientComplete,
): { dispose(): Promise<void> } {
  const server = makeServer<P, Extra>(options);
  sockets.options.handleProtocols = handleProtocols;
  sockets.on('error', (error) => logger.error('graphql-ws server error', { error }));

  sockets.on('connection', (socket, request) => {
    const ids = new OperationIds();
    let acknowledged = false;
    // What a client causes (a message over maxPayload, which ws answers by closing with 1009) is not our fault.
    socket.on('error', (error) => logger.warn('graphql-ws socket error', { error: error.message }));
    const fail = (error: unknown) => {
      logger.error('graphql-ws message handling failed', { error });
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    };
    let cut: NodeJS.Timeout | undefined;
    const keepAlive = setInterval(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      clearTimeout(cut);
      cut = setTimeout(() => socket.terminate(), KEEP_ALIVE_MS);
      socket.once('pong', () => clearTimeout(cut));
      socket.ping();
    }, KEEP_ALIVE_MS);

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve) => {
            if (socket.readyState !== WebSocket.OPEN) return resolve();
            // Answers and pongs are not events: no queue bounds them. A client that sends (pings,
            // queries) but does not read would have the gateway hold them without end: it is cut.
            if (socket.bufferedAmount > limits.maxUnsentBytes) {
              logger.warn('graphql-ws client does not read what it asks for; connection cut', { unsentBytes: socket.bufferedAmount });
              socket.terminate();
              return resolve();
            }
            const message = toClient(data, ids);
            acknowledged ||= message.type === 'connection_ack';
            // A write that fails means the client went away: the close that follows ends its operations (not our failure).
            socket.send(message.text, () => resolve());
          }),
        // A duplicate subscribe's reason names the id the client chose.
        close: (code, reason) => socket.close(code, code === CloseCode.SubscriberAlreadyExists && reason ? reason.replace(/#\d+ already exists$/, ' already exists') : reason),
        onMessage: (handle) =>
          socket.on('message', (data: Buffer) => {
            const text = String(data);
            const message = parsedOrNull(text);
            if (data.length > limits.messageLimit && operationBytes(data.length, message) > limits.messageLimit) return refuse(socket, message, ids, acknowledged, TOO_LARGE, OVERSIZED_CLOSE);
            // Written again with its operation id (toServer), a value thousands of levels deep would exhaust the stack (a 4500 close).
            if (nestsDeeperThan(message, MAX_VARIABLE_DEPTH + LEVELS_ABOVE_VALUES)) return refuse(socket, message, ids, acknowledged, TOO_DEEP, TOO_DEEP_CLOSE);
            // graphql-ws throws on these (a 4500 and an error in our log): the protocol closes with 4400 on a message not meant for the server.
            if (typeof message?.type === 'string' && SERVER_ONLY_TYPES.has(message.type)) return socket.close(CloseCode.BadRequest, `Unexpected message of type ${message.type} received`);
            // Each message is a request of its own (an operation, a ping): what it causes is logged under its id.
            void runWithRequestId(randomUUID(), async () => {
              try {
                await handle(toServer(text, message, ids, (operationId) => onClientComplete?.(socket, operationId)));
              } catch (error) {
                fail(error);
              }
            });
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      clearInterval(keepAlive);
      clearTimeout(cut);
      void closed(code, String(reason)).catch((error: unknown) => logger.error('graphql-ws close handling failed', { error }));
    });
  });

  return {
    dispose: async () => {
      for (const socket of sockets.clients) socket.close(1001, 'Going away');
      sockets.removeAllListeners();
      await new Promise<void>((resolve, reject) => sockets.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** A client's message with its operation id in place of the client's; anything unreadable goes on as it came (graphql-ws refuses it). */
function toServer(text: string, message: ClientMessage | null, ids: OperationIds, completed: (operationId: string) => void): string {
  if (message === null || typeof message.id !== 'string' || message.id === '') return text;
  if (message.type === 'subscribe') return JSON.stringify({ ...message, id: ids.subscribe(message.id) });
  if (message.type === 'complete') {
    // An id not running completes nothing; it must not name another operation either.
    const operationId = ids.complete(message.id);
    if (operationId !== undefined) completed(operationId);
    return JSON.stringify({ ...message, id: operationId ?? `${message.id}#` });
  }
  return text;
}

/** A message of graphql-ws's with the client's id back in place, and its type; a complete or an error ends the operation. */
function toClient(text: string, ids: OperationIds): { text: string; type: string } {
  const message = JSON.parse(text) as { type: string; id?: string };
  if (message.id === undefined) return { text, type: message.type };
  if (message.type === 'complete' || message.type === 'error') ids.ended(message.id);
  return { text: JSON.stringify({ ...message, id: clientIdOf(message.id) }), type: message.type };
}

/**
 * The size BODY_LIMIT bounds: a `subscribe`'s operation (its payload, as an HTTP body holds it), not
 * the envelope around it (its type and id); any other message whole.
 */
function operationBytes(messageBytes: number, message: ClientMessage | null): number {
  if (message?.type !== 'subscribe' || message.payload === undefined) return messageBytes;
  return messageBytes - Buffer.byteLength(JSON.stringify({ ...message, payload: 0 })) + 1;
}

/**
 * A message refused before graphql-ws reads it (over the size limit, or nested too deep): a
 * `subscribe` under an id not in use, once the connection is acknowledged, gets its `error`
 * and the socket goes on. One the protocol itself refuses closes as graphql-ws would close it
 * (4401 before the acknowledgement, 4409 for an id already running); anything else closes it
 * (1009 for size, as ws would; 4400 for depth).
 */
function refuse(socket: WebSocket, message: ClientMessage | null, ids: OperationIds, acknowledged: boolean, errors: typeof TOO_LARGE, close: { code: number; reason: string }): void {
  const id = message?.id;
  if (message?.type === 'subscribe' && typeof id === 'string' && id !== '') {
    if (!acknowledged) return socket.close(CloseCode.Unauthorized, 'Unauthorized');
    if (ids.isRunning(id)) return socket.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
    socket.send(JSON.stringify({ id, type: 'error', payload: errors }));
    return;
  }
  socket.close(close.code, close.reason);
}

/** What the gateway reads of a client's message before graphql-ws does. */
interface ClientMessage {
  type?: unknown;
  id?: unknown;
  payload?: unknown;
}

function parsedOrNull(text: string): ClientMessage | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : null;
  } catch {
    return null;
  }
}
