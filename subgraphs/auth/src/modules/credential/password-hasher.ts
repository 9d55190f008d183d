import argon2 from 'argon2';

/** argon2id with the OWASP Password Storage Cheat Sheet's first configuration (19 MiB, 2 passes, 1 lane). */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

let decoy: Promise<string> | undefined;

/**
 * Verifies a password. With no hash (unknown account, no password yet) it
 * verifies against a decoy, so the answer takes as long either way.
 */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  decoy ??= argon2.hash('decoy password that never matches', OPTIONS);
  const matches = await argon2.verify(hash ?? (await decoy), password).catch(() => false);
  return hash !== null && matches;
}
