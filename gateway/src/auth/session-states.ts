import { ANONYMOUS, InternalTokenSigner, INTERNAL_TOKEN_HEADER, Logger, SessionState } from '@herck/common';

/** Entries kept at most; the oldest go first (a Map iterates in insertion order). */
const MAX_ENTRIES = 50_000;

interface Entry {
  fetchedAt: number;
  state: Promise<SessionState>;
}

/**
 * Whether an access token's session still stands, asked of auth and cached
 * for a few seconds per session: a logout, deactivation, deletion or role
 * change reaches every token within that time plus the event's trip to auth,
 * at the cost of one small request per active session per interval.
 */
export class SessionStates {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly stateUrl: string,
    private readonly signer: InternalTokenSigner,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /** The session's state, asked of auth unless known from the last `maxAgeMs` (the cache's time by default). */
  get(accountId: string, sessionId: string, maxAgeMs = this.ttlMs): Promise<SessionState> {
    const key = `${accountId}:${sessionId}`;
    const cached = this.entries.get(key);
    if (cached && Date.now() - cached.fetchedAt < Math.min(maxAgeMs, this.ttlMs)) return cached.state;
    const state = this.fetchState(accountId, sessionId);
    this.entries.delete(key);
    this.entries.set(key, { fetchedAt: Date.now(), state });
    // A failed lookup is not remembered: the next request asks again.
    state.catch(() => this.entries.delete(key));
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    return state;
  }

  private async fetchState(accountId: string, sessionId: string): Promise<SessionState> {
    const url = new URL(this.stateUrl);
    url.searchParams.set('account', accountId);
    url.searchParams.set('session', sessionId);
    try {
      const response = await fetch(url, {
        headers: { [INTERNAL_TOKEN_HEADER]: this.signer.sign(ANONYMOUS, 'auth') },
        signal: AbortSignal.timeout(5_000),
      });
      if (!response.ok) throw new Error(`auth answered ${response.status}`);
      return (await response.json()) as SessionState;
    } catch (error) {
      this.logger.error('could not check a session with auth', { error });
      throw error;
    }
  }
}
