import { createHash } from 'node:crypto';

/**
 * The first admin's account id, derived from the email (a name-based UUID), so
 * the account and auth subgraphs agree on it at start-up without talking.
 */
export function firstAdminAccountId(email: string): string {
  const hash = createHash('sha1').update(`herck:first-admin:${email.trim().toLowerCase()}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
