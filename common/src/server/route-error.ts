import { Response } from 'express';

/** A route beside `/graphql` refusing a request, in GraphQL's error shape with a stable code, as its clients read every other answer. */
export function answerRouteError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}
