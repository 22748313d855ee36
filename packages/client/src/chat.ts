import { Connection, type ConnectionStatus, type DurableEventName, type DurableMeta, type LiveEventName } from './connection.js';
import { Emitter } from './emitter.js';
import { ChatError, isChatError } from './errors.js';
import type { ServerEvents } from './generated/events.js';
import type { components } from './generated/openapi.js';
import { defaultLock, type Lock } from './lock.js';
import { Outbox, type Message, type OutboxItem, type SendBody } from './outbox.js';
import { createRestClient, ok, type RestClient } from './rest.js';
import { type KeyValueStorage, MemoryStorage } from './storage.js';
import { later } from './timers.js';
import { type Tokens, TokenStore } from './tokens.js';

type Schemas = components['schemas'];
export type AuthResult = Schemas['AuthResultDto'];

export interface ChatOptions {
  /** The API's origin, e.g. `https://chat.example.com` (REST under `/api/v1`, Socket.IO at `/socket.io`). */
  baseUrl: string;
  /** Where tokens, the sync cursor and the outbox are kept: `localStorage` in a browser (shared by its tabs); memory by default. */
  storage?: KeyValueStorage;
  /** Key prefix in `storage` (several accounts or servers side by side). Default `chat`. */
  storagePrefix?: string;
  /** The cross-tab lock for refreshes; default `navigator.locks`, or an in-process lock. */
  lock?: Lock;
  /** The `fetch` to use (default the global one). */
  fetch?: typeof fetch;
  /** Reconnect and resend backoff: first delay and cap, ms. Default 500 ms … 10 s. */
  backoff?: { min: number; max: number };
  /** How long to wait for a socket acknowledgement, ms. Default 10 s. */
  ackTimeout?: number;
}

/** Handlers of {@link ChatClient.on}: every server event by name, plus the client's own. */
export type ChatEvents = {
  [E in DurableEventName]: (data: ServerEvents[E], meta: DurableMeta) => void;
} & {
  [E in LiveEventName]: (data: ServerEvents[E]) => void;
} & {
  /** The connection's state changed. */
  status: (status: ConnectionStatus) => void;
  /** The stored cursor was too old (or from another deployment): reload what you show over REST. */
  resync: () => void;
  /** The session is over (signed out here or elsewhere, revoked, banned): show the sign-in. */
  signedOut: (reason: string) => void;
  /** The outbox changed (for showing pending and failed messages). */
  outbox: (items: OutboxItem[]) => void;
};

/** How often `typing.start` goes out while someone keeps typing, and when a pause counts as a stop, ms. */
const TYPING_REPEAT = 3_000;
const TYPING_IDLE = 5_000;

/**
 * The chat client: typed REST (`api`), the socket with reconnect-and-sync (`on`, `connect`), the outbox
 * (`send`), tokens shared across tabs. One per signed-in device (or tab).
 *
 * ```ts
 * const chat = new ChatClient({ baseUrl: 'https://chat.example.com', storage: localStorage });
 * await chat.signIn({ email, password });
 * chat.on('message.created', (message) => show(message));
 * await chat.connect();
 * await chat.send(conversationId, { content: 'Hello!' });
 * ```
 */
export class ChatClient {
  /** The typed REST client (openapi-fetch): `await ok(chat.api.GET('/api/v1/conversations'))`. */
  readonly api: RestClient;
  /** The device's tokens (refreshed by themselves; `tokens.refresh()` forces one). */
  readonly tokens: TokenStore;
  readonly outbox: Outbox;
  private readonly connection: Connection;
  private readonly events = new Emitter<ChatEvents>();
  private readonly typingState = new Map<string, { sentAt: number; stop: ReturnType<typeof setTimeout> }>();

  constructor(private readonly options: ChatOptions) {
    const storage = options.storage ?? new MemoryStorage();
    const prefix = options.storagePrefix ?? 'chat';
    this.tokens = new TokenStore(storage, options.lock ?? defaultLock(), `${prefix}.tokens`);
    this.api = createRestClient(options.baseUrl, this.tokens, options.fetch);
    this.tokens.useRefresher(async (refreshToken) => tokensOf(await ok(this.api.POST('/api/v1/auth/refresh', { body: { refreshToken } }))));
    this.connection = new Connection({
      baseUrl: options.baseUrl,
      api: this.api,
      tokens: this.tokens,
      storage,
      cursorKey: `${prefix}.cursor`,
      backoff: options.backoff,
      ackTimeout: options.ackTimeout,
      emit: (name, ...args) => {
        if (name === 'durable') {
          const [type, data, meta] = args as [DurableEventName, never, DurableMeta];
          this.events.emit(type, data, meta);
        } else if (name === 'live') {
          const [type, data] = args as [LiveEventName, never];
          this.events.emit(type, data);
        } else if (name === 'status') {
          const [status] = args as [ConnectionStatus];
          if (status === 'online') void this.outbox.flush();
          this.events.emit('status', status);
        } else if (name === 'resync') this.events.emit('resync');
        else if (name === 'signedOut') this.events.emit('signedOut', args[0] as string);
      },
    });
    this.outbox = new Outbox({
      storage,
      key: `${prefix}.outbox`,
      backoff: options.backoff,
      send: (item) => this.sendOnce(item),
      onChange: (items) => this.events.emit('outbox', items),
      onSent: () => undefined,
    });
  }

  /** Listen to a server event (durable ones come once each, live or from `/sync`) or a client event; returns the unsubscribe. */
  on<E extends keyof ChatEvents>(name: E, handler: ChatEvents[E]): () => void {
    return this.events.on(name, handler);
  }

  /** The signed-in user's id, or null. */
  get userId(): string | null {
    return this.tokens.current()?.userId ?? null;
  }

  /** The connection's state. */
  get status(): ConnectionStatus {
    return this.connection.status;
  }

  /** Create an account and sign in. */
  async signUp(body: Schemas['SignupDto']): Promise<AuthResult> {
    return this.signedIn(await ok(this.api.POST('/api/v1/auth/signup', { body })));
  }

  /** Sign in (a new session for this device). */
  async signIn(body: Schemas['LoginDto']): Promise<AuthResult> {
    return this.signedIn(await ok(this.api.POST('/api/v1/auth/login', { body })));
  }

  /** Sign out this session (the other tabs follow), disconnect and forget the cursor and the outbox. */
  async signOut(): Promise<void> {
    try {
      if (this.tokens.current()) await ok(this.api.POST('/api/v1/auth/logout', {}));
    } catch {
      // signed out already, or offline: forget the tokens anyway
    }
    this.connection.disconnect();
    this.tokens.set(null);
  }

  /** Connect the socket; resolves once caught up. Reconnects by itself until {@link disconnect}. */
  connect(): Promise<void> {
    if (!this.tokens.current()) return Promise.reject(new ChatError('SIGNED_OUT', 'sign in first'));
    return this.connection.connect();
  }

  /** Close the socket (going offline on purpose); {@link connect} again to resume. */
  disconnect(): void {
    this.connection.disconnect();
  }

  /** Close everything (socket, timers, cross-tab listeners). */
  close(): void {
    this.connection.close();
    this.outbox.close();
    this.tokens.close();
  }

  /**
   * Send a message through the outbox: resolves with the stored message once acknowledged, however many
   * attempts that takes (the same `clientMessageId` each time); rejects only on a refusal (`VALIDATION_FAILED`, …).
   */
  send(conversationId: string, body: SendBody): Promise<Message> & { clientMessageId: string } {
    this.stopTyping(conversationId);
    const { clientMessageId, sent } = this.outbox.enqueue(conversationId, body);
    return Object.assign(sent, { clientMessageId });
  }

  /** Call on every keystroke: sends `typing.start` at most every 3 s, and `typing.stop` after 5 s without a call. */
  typing(conversationId: string): void {
    const state = this.typingState.get(conversationId);
    const now = Date.now();
    if (state) clearTimeout(state.stop);
    const sentAt = !state || now - state.sentAt >= TYPING_REPEAT ? now : state.sentAt;
    if (sentAt === now) this.quietly('typing.start', { conversationId });
    this.typingState.set(conversationId, { sentAt, stop: later(() => this.stopTyping(conversationId), TYPING_IDLE) });
  }

  /** Stop typing now (sending does it too). */
  stopTyping(conversationId: string): void {
    const state = this.typingState.get(conversationId);
    if (!state) return;
    clearTimeout(state.stop);
    this.typingState.delete(conversationId);
    this.quietly('typing.stop', { conversationId });
  }

  /** Move the read marker to `seq` (over the socket when connected, else REST). */
  async markRead(conversationId: string, seq: number): Promise<void> {
    if (this.connection.connected) {
      try {
        return void (await this.connection.request('conversation.read', { conversationId, seq }));
      } catch (error) {
        if (!isChatError(error, 'NETWORK') && !isChatError(error, 'TIMEOUT')) throw error;
      }
    }
    await ok(this.api.POST('/api/v1/conversations/{id}/read', { params: { path: { id: conversationId } }, body: { seq } }));
  }

  /** Upload a file (`POST /media`, multipart); attach the answer's `id` to a message with `attachmentIds`. */
  async upload(file: Blob, name = 'file'): Promise<Schemas['MediaDto']> {
    const form = new FormData();
    form.append('file', file, name);
    return ok(
      this.api.POST('/api/v1/media', {
        body: { file: '' },
        bodySerializer: () => form,
      }),
    );
  }

  /** A media URL as the server gave it (signed, relative to the API's origin), made absolute: put it in `<img src>`. */
  mediaUrl(url: string): string {
    return new URL(url, this.options.baseUrl).href;
  }

  private signedIn(result: AuthResult): AuthResult {
    this.tokens.set(tokensOf(result));
    return result;
  }

  private quietly(name: 'typing.start' | 'typing.stop', payload: { conversationId: string }): void {
    if (this.connection.connected) this.connection.request(name, payload).catch(() => undefined);
  }

  private async sendOnce(item: OutboxItem): Promise<Message> {
    const body = { ...item.body, clientMessageId: item.clientMessageId };
    if (this.connection.connected) {
      try {
        return await this.connection.request('message.send', { ...body, conversationId: item.conversationId });
      } catch (error) {
        if (!isChatError(error, 'NETWORK') && !isChatError(error, 'TIMEOUT')) throw error;
      }
    }
    return ok(this.api.POST('/api/v1/conversations/{id}/messages', { params: { path: { id: item.conversationId } }, body }));
  }
}

/**
 * The server writes a token's expiry in whole seconds (JWT `exp`), counted from the second it signed in, so
 * the token may end up to a second before `now + accessTokenExpiresIn`: the kit counts that second off.
 */
const EXPIRY_GRANULARITY_MS = 1_000;

/** The kit's record of an auth answer. */
export function tokensOf(result: { user: { id: string }; accessToken: string; refreshToken: string; accessTokenExpiresIn: number }): Tokens {
  const issuedAt = Date.now();
  return {
    accessToken: result.accessToken,
    refreshToken: result.refreshToken,
    issuedAt,
    expiresAt: issuedAt + result.accessTokenExpiresIn * 1_000 - EXPIRY_GRANULARITY_MS,
    userId: result.user.id,
  };
}
