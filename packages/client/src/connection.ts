import { io, type Socket } from 'socket.io-client';
import { ChatError, errorFromAck, isChatError } from './errors.js';
import { type ClientEvents, DURABLE_EVENTS, LIVE_EVENTS, type ServerEvents } from './generated/events.js';
import { ok, type RestClient } from './rest.js';
import type { KeyValueStorage } from './storage.js';
import { type Tokens, TokenStore } from './tokens.js';
import { later } from './timers.js';

/** A durable server event (from the event log: sent live over the socket, and returned by `/sync`). */
export type DurableEventName = (typeof DURABLE_EVENTS)[number];
/** A live-only server event (typing, presence, session and sync notices). */
export type LiveEventName = (typeof LIVE_EVENTS)[number];
/** Where a durable event came from: live over the socket, or `/sync` catching up after a (re)connect. */
export interface DurableMeta {
  cursor: string;
  source: 'socket' | 'sync';
}
/** `offline` (not connected, not trying), `connecting` (trying, with backoff), `syncing` (connected, catching up), `online`. */
export type ConnectionStatus = 'offline' | 'connecting' | 'syncing' | 'online';

export interface ConnectionEvents {
  durable: <E extends DurableEventName>(type: E, data: ServerEvents[E], meta: DurableMeta) => void;
  live: <E extends LiveEventName>(type: E, data: ServerEvents[E]) => void;
  status: (status: ConnectionStatus) => void;
  resync: () => void;
  signedOut: (reason: string) => void;
}

export interface ConnectionOptions {
  baseUrl: string;
  api: RestClient;
  tokens: TokenStore;
  storage: KeyValueStorage;
  cursorKey: string;
  emit: <E extends keyof ConnectionEvents>(name: E, ...args: Parameters<ConnectionEvents[E]>) => void;
  /** Socket.IO's reconnection backoff: first delay and cap, ms. */
  backoff?: { min: number; max: number };
  /** How long to wait for an acknowledgement, ms. */
  ackTimeout?: number;
}

/** How many recent cursors are remembered to drop an event delivered twice (socket and `/sync`). */
const SEEN_CURSORS = 5_000;

/**
 * The socket and the reconnect-and-sync loop of the README ("Catching up"): after every connect it reads
 * `/sync` from the stored cursor until `hasMore` is false, holding live events meanwhile and dropping those
 * `/sync` already gave; `resyncRequired` (a cursor too old or from another deployment) emits `resync`.
 * It hands the socket each new access token (`auth.renew`) before the current one expires, refreshes and
 * reconnects after `token.expired` or a refused handshake, and stops for good on `session.revoked`.
 */
export class Connection {
  private socket: Socket | undefined;
  private syncing = false;
  private held: Array<{ type: DurableEventName; data: unknown; cursor: string }> = [];
  private readonly seen = new Set<string>();
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private socketTokens: Tokens | undefined;
  private wanted = false;
  private failures = 0;
  private unsubscribeTokens: (() => void) | undefined;
  private firstSync: Array<() => void> = [];
  status: ConnectionStatus = 'offline';

  constructor(private readonly options: ConnectionOptions) {}

  /** The last cursor applied (stored, so a reload resumes from it). */
  get cursor(): string | null {
    return this.options.storage.getItem(this.options.cursorKey);
  }

  /** True when the socket is connected (sends go over it; otherwise over REST). */
  get connected(): boolean {
    return this.socket?.connected === true;
  }

  /** Connect (or reconnect after {@link disconnect}); resolves after the first catch-up. */
  connect(): Promise<void> {
    this.wanted = true;
    const done = new Promise<void>((resolve) => this.firstSync.push(resolve));
    if (!this.socket) this.open();
    else if (!this.socket.connected) this.socket.connect();
    else void this.catchUp();
    return done;
  }

  /** Close the socket and stop reconnecting (going offline, signing out). */
  disconnect(): void {
    this.wanted = false;
    clearTimeout(this.renewTimer);
    clearTimeout(this.retryTimer);
    this.socket?.disconnect();
    this.setStatus('offline');
  }

  /** Close for good. */
  close(): void {
    this.disconnect();
    this.socket?.removeAllListeners();
    this.socket = undefined;
    this.unsubscribeTokens?.();
  }

  /** Emit a client event and wait for its acknowledgement; a failed ack is thrown as a {@link ChatError}. */
  async request<E extends keyof ClientEvents>(name: E, payload: ClientEvents[E]['payload']): Promise<ClientEvents[E]['ack']> {
    const socket = this.socket;
    if (!socket?.connected) throw new ChatError('NETWORK', 'the socket is not connected');
    let ack: { ok: boolean; data?: unknown; error?: { code: string; message: string } };
    try {
      ack = await socket.timeout(this.options.ackTimeout ?? 10_000).emitWithAck(name, payload);
    } catch {
      throw new ChatError('TIMEOUT', `no acknowledgement of ${name}`);
    }
    if (!ack.ok) throw errorFromAck(ack.error ?? { code: 'INTERNAL', message: 'failed' });
    return ack.data as ClientEvents[E]['ack'];
  }

  private open(): void {
    const { min, max } = this.options.backoff ?? { min: 500, max: 10_000 };
    const socket = io(this.options.baseUrl, {
      reconnectionDelay: min,
      reconnectionDelayMax: max,
      randomizationFactor: 0.5,
      autoConnect: false,
      // A function, so every (re)connect sends the current access token (refreshed when about to expire).
      auth: (send) => {
        this.options.tokens.fresh().then(
          (tokens) => {
            this.socketTokens = tokens;
            send({ token: tokens.accessToken });
          },
          (error: unknown) => {
            if (isChatError(error, 'SIGNED_OUT')) this.signedOut('signed_out');
            send({ token: '' });
          },
        );
      },
    });
    this.socket = socket;
    socket.on('connect', () => {
      this.failures = 0;
      this.scheduleRenew();
      void this.catchUp();
    });
    socket.on('connect_error', (error: Error & { data?: { retryAfter?: number } }) => void this.refused(error));
    socket.on('disconnect', (reason) => {
      clearTimeout(this.renewTimer);
      if (!this.wanted) return this.setStatus('offline');
      this.setStatus('connecting');
      // The server closed it (token.expired): Socket.IO does not retry that by itself.
      if (reason === 'io server disconnect') this.retry(() => this.options.tokens.refresh(this.socketTokens?.refreshToken));
    });
    for (const type of DURABLE_EVENTS) socket.on(type as string, (data: unknown, meta?: { cursor: string }) => this.onDurable(type, data, meta?.cursor ?? ''));
    for (const type of LIVE_EVENTS) socket.on(type as string, (data: unknown) => this.onLive(type, data));
    this.unsubscribeTokens = this.options.tokens.onChange((tokens) => {
      if (!tokens) return;
      if (this.connected && tokens.refreshToken !== this.socketTokens?.refreshToken) void this.renew(tokens);
    });
    this.setStatus('connecting');
    socket.connect();
  }

  private async refused(error: Error & { data?: { retryAfter?: number } }): Promise<void> {
    if (!this.wanted) return;
    this.setStatus('connecting');
    // A refused handshake is not retried by Socket.IO itself; network errors are.
    if (error.message === 'UNAUTHORIZED') this.retry(() => this.options.tokens.refresh(this.socketTokens?.refreshToken));
    else if (error.message === 'RATE_LIMITED') this.retry(undefined, (error.data?.retryAfter ?? 1) * 1_000);
    else if (error.message === 'SERVICE_UNAVAILABLE' || error.message === 'SOCKET_LIMIT') this.retry();
  }

  /** Reconnect after a backoff, first running `before` (a refresh). */
  private retry(before?: () => Promise<unknown>, delay?: number): void {
    const { min, max } = this.options.backoff ?? { min: 500, max: 10_000 };
    const wait = delay ?? Math.min(max, min * 2 ** this.failures++) * (0.75 + Math.random() / 2);
    clearTimeout(this.retryTimer);
    this.retryTimer = later(async () => {
      try {
        await before?.();
      } catch (error) {
        if (isChatError(error, 'SIGNED_OUT')) return this.signedOut('signed_out');
        return this.retry(before);
      }
      if (this.wanted && !this.socket?.connected) this.socket?.connect();
    }, wait);
  }

  private scheduleRenew(): void {
    clearTimeout(this.renewTimer);
    const tokens = this.options.tokens.current();
    if (!tokens) return;
    const at = tokens.expiresAt - TokenStore.margin(tokens);
    this.renewTimer = later(
      async () => {
        try {
          const tokens = await this.options.tokens.fresh();
          if (tokens.refreshToken !== this.socketTokens?.refreshToken) await this.renew(tokens);
          else this.scheduleRenew();
        } catch (error) {
          if (isChatError(error, 'SIGNED_OUT')) this.signedOut('signed_out');
        }
      },
      Math.max(0, at - Date.now()),
    );
  }

  private async renew(tokens: Tokens): Promise<void> {
    this.socketTokens = tokens;
    try {
      await this.request('auth.renew', { token: tokens.accessToken });
    } catch {
      // Not renewed (disconnected meanwhile, or a token of an ended session): the next handshake sends the stored one.
    }
    this.scheduleRenew();
  }

  private onDurable(type: DurableEventName, data: unknown, cursor: string): void {
    if (this.syncing) this.held.push({ type, data, cursor });
    else this.apply(type, data, cursor, 'socket');
  }

  private onLive(type: LiveEventName, data: unknown): void {
    if (type === 'session.revoked') this.signedOut((data as ServerEvents['session.revoked']).reason);
    if (type === 'sync.required') void this.catchUp();
    this.options.emit('live', type, data as never);
  }

  private apply(type: DurableEventName, data: unknown, cursor: string, source: DurableMeta['source']): void {
    if (this.seen.has(cursor)) return;
    this.seen.add(cursor);
    if (this.seen.size > SEEN_CURSORS) this.seen.delete(this.seen.values().next().value as string);
    this.options.storage.setItem(this.options.cursorKey, cursor);
    this.options.emit('durable', type, data as never, { cursor, source });
  }

  /** `/sync` from the stored cursor until `hasMore` is false; live events meanwhile are held, then those not synced applied. */
  private async catchUp(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    this.setStatus('syncing');
    try {
      const since = this.cursor;
      if (!since) {
        const page = await ok(this.options.api.GET('/api/v1/sync', {}));
        this.options.storage.setItem(this.options.cursorKey, page.cursor);
      } else {
        for (let hasMore = true; hasMore;) {
          const page = await ok(this.options.api.GET('/api/v1/sync', { params: { query: { since: this.cursor ?? since, limit: 500 } } }));
          if (page.resyncRequired) {
            this.options.storage.setItem(this.options.cursorKey, page.cursor);
            this.seen.clear();
            this.options.emit('resync');
            break;
          }
          for (const event of page.events) this.apply(event.type, event.data, event.cursor, 'sync');
          this.options.storage.setItem(this.options.cursorKey, page.cursor);
          hasMore = page.hasMore;
        }
      }
    } catch (error) {
      if (isChatError(error, 'SIGNED_OUT')) this.signedOut('signed_out');
      else {
        // The sync failed (network, server): try again on the next connect, or shortly.
        this.syncing = false;
        this.flushHeld();
        if (this.connected) later(() => void (this.connected && this.catchUp()), 1_000);
        return;
      }
    }
    this.syncing = false;
    this.flushHeld();
    if (this.connected) this.setStatus('online');
    for (const resolve of this.firstSync.splice(0)) resolve();
  }

  private flushHeld(): void {
    for (const event of this.held.splice(0)) this.apply(event.type, event.data, event.cursor, 'socket');
  }

  private signedOut(reason: string): void {
    this.wanted = false;
    clearTimeout(this.renewTimer);
    clearTimeout(this.retryTimer);
    this.socket?.disconnect();
    this.setStatus('offline');
    this.options.emit('signedOut', reason);
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.options.emit('status', status);
  }
}
