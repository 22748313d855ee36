import { ChatError, isChatError } from './errors.js';
import type { Lock } from './lock.js';
import { type KeyValueStorage, readJson } from './storage.js';
import { later } from './timers.js';

/**
 * How long a refresh that waited for another tab's waits for that tab's new pair to show in the storage
 * before it refreshes itself (when the other tab's refresh failed, nothing arrives).
 */
const SETTLE_MS = 250;

/** What the kit keeps of a sign-in. `expiresAt` and `issuedAt` are ms since the epoch (this device's clock). */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
  issuedAt: number;
  expiresAt: number;
  userId: string;
}

/** Exchanges a refresh token for a new pair (`POST /auth/refresh`). */
export type Refresher = (refreshToken: string) => Promise<Tokens>;

type Listener = (tokens: Tokens | null) => void;

interface Channel {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

/**
 * The tokens of one device, shared by its tabs through `storage` (give it `localStorage`), refreshed one
 * at a time across them under `lock` (`navigator.locks` in browsers).
 *
 * The server spends a refresh token on its first use, and a second use outside its short retry grace
 * revokes the whole session (`TOKEN_REUSED`). So a refresh re-reads the storage inside the lock: when
 * another tab (or another call in this one) refreshed meanwhile, its tokens are taken and nothing is sent.
 */
export class TokenStore {
  private readonly listeners = new Set<Listener>();
  private readonly channel: Channel | undefined;
  private refresher: Refresher | undefined;

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly lock: Lock,
    private readonly key = 'chat.tokens',
  ) {
    const Broadcast = (globalThis as { BroadcastChannel?: new (name: string) => Channel }).BroadcastChannel;
    if (Broadcast) {
      this.channel = new Broadcast(`${key}.changes`);
      this.channel.onmessage = () => this.notify(this.current());
      // In Node a channel would keep the process alive.
      (this.channel as { unref?: () => void }).unref?.();
    }
  }

  /** @internal the client sets how a refresh is made. */
  useRefresher(refresher: Refresher): void {
    this.refresher = refresher;
  }

  /** The stored tokens, as the last writer of any tab left them; null when signed out. */
  current(): Tokens | null {
    return readJson<Tokens>(this.storage, this.key);
  }

  /** Store a new pair (after sign-in or refresh) and tell the other tabs. */
  set(tokens: Tokens | null): void {
    if (tokens) this.storage.setItem(this.key, JSON.stringify(tokens));
    else this.storage.removeItem(this.key);
    this.channel?.postMessage('changed');
    this.notify(tokens);
  }

  /** Called with the new tokens whenever they change, in this tab or another. Returns the unsubscribe. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The margin before expiry at which a token counts as stale: a fifth of its life, at most a minute. */
  static margin(tokens: Tokens): number {
    return Math.min(60_000, (tokens.expiresAt - tokens.issuedAt) / 5);
  }

  /** True when `tokens` should be refreshed before use. */
  static stale(tokens: Tokens, now = Date.now()): boolean {
    return tokens.expiresAt - TokenStore.margin(tokens) <= now;
  }

  /** Usable tokens: the stored ones, or fresh ones when the access token is about to expire. Throws `SIGNED_OUT`. */
  async fresh(): Promise<Tokens> {
    const tokens = this.current();
    if (!tokens) throw new ChatError('SIGNED_OUT', 'not signed in');
    if (!TokenStore.stale(tokens)) return tokens;
    return this.refresh(tokens.refreshToken);
  }

  /** A usable access token (see {@link fresh}). */
  async accessToken(): Promise<string> {
    return (await this.fresh()).accessToken;
  }

  /**
   * Refresh, once across tabs. `basedOn` is the refresh token of the pair the caller found wanting (its
   * access token got a 401, or is about to expire): when the stored pair is another by now, someone
   * refreshed meanwhile and that pair is the answer — nothing is sent. Without `basedOn` it always refreshes.
   * A 401 from the server means the session is over: the tokens are cleared and `SIGNED_OUT` is thrown.
   */
  refresh(basedOn?: string): Promise<Tokens> {
    return this.lock.run(`${this.key}.refresh`, async (waited) => {
      // After another holder, its new pair may not have reached this tab's copy of the storage yet
      // (browsers pass localStorage writes between tabs asynchronously): give it a moment to arrive.
      const tokens = waited && basedOn !== undefined ? await this.changedFrom(basedOn) : this.current();
      if (!tokens) throw new ChatError('SIGNED_OUT', 'not signed in');
      if (basedOn !== undefined && tokens.refreshToken !== basedOn && !TokenStore.stale(tokens)) return tokens;
      if (!this.refresher) throw new ChatError('SIGNED_OUT', 'no refresher');
      try {
        const next = await this.refresher(tokens.refreshToken);
        this.set(next);
        return next;
      } catch (error) {
        if (isChatError(error) && (error.status === 401 || error.code === 'USER_BANNED')) {
          this.set(null);
          throw new ChatError('SIGNED_OUT', `signed out: ${error.code}`, error.status);
        }
        throw error;
      }
    });
  }

  /** The stored tokens once their refresh token is no longer `basedOn`, or as they are after {@link SETTLE_MS}. */
  private async changedFrom(basedOn: string): Promise<Tokens | null> {
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      const tokens = this.current();
      if (!tokens || tokens.refreshToken !== basedOn || Date.now() >= deadline) return tokens;
      await new Promise((resolve) => later(() => resolve(undefined), 10));
    }
  }

  /** Stop listening to the other tabs. */
  close(): void {
    this.channel?.close();
    this.listeners.clear();
  }

  private notify(tokens: Tokens | null): void {
    for (const listener of this.listeners) listener(tokens);
  }
}
