import { decodeTimeIdCursor, encodeTimeIdCursor } from '@herck/common';
import { Account } from './account.entity';

/** Opaque to clients: the (createdAt, id) position of an account in the list. */
export function encodeCursor(account: Account): string {
  return encodeTimeIdCursor('accounts', account.createdAt, account.id);
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const { time, id } = decodeTimeIdCursor('accounts', cursor);
  return { createdAt: time, id };
}
