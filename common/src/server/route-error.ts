import type { ServerResponse } from 'node:http';
import { sendJson } from './plain-http';

/** A route beside `/graphql` (or a check before GraphQL) refusing a request, in GraphQL's error shape with a stable code, as its clients read every other answer. */
export function answerRouteError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}
