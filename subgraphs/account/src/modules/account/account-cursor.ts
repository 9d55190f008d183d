import { BadUserInputError, isUuid } from '@herck/common';
import { Account } from './account.entity';

/** Opaque to clients: the (createdAt, id) position of an account in the list. */
export function encodeCursor(account: Account): string {
  return Buffer.from(JSON.stringify([account.createdAt.toISOString(), account.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (!Number.isNaN(date.getTime()) && isUuid(id)) return { createdAt: date, id };
  } catch {
    // fall through to the error below
  }
  throw new BadUserInputError('Invalid cursor', 'after');
}
