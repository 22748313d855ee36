import { isChatError, type ChatError } from './errors.js';
import type { components } from './generated/openapi.js';
import { type KeyValueStorage, readJson } from './storage.js';
import { later } from './timers.js';

type Schemas = components['schemas'];
/** A message as the server answers it. */
export type Message = Schemas['MessageDto'];
/** What a send carries (the REST body; `clientMessageId` is the outbox's). */
export type SendBody = Omit<Schemas['SendMessageDto'], 'clientMessageId'>;

/** A message waiting in the outbox: `failed` when the server refused it for good (`error` says why). */
export interface OutboxItem {
  clientMessageId: string;
  conversationId: string;
  body: SendBody;
  createdAt: string;
  attempts: number;
  state: 'pending' | 'failed';
  error?: { code: string; message: string };
}

export interface OutboxOptions {
  storage: KeyValueStorage;
  key: string;
  /** Send once (socket or REST); the same `clientMessageId` again answers the first message. */
  send: (item: OutboxItem) => Promise<Message>;
  onChange: (items: OutboxItem[]) => void;
  onSent: (item: OutboxItem, message: Message) => void;
  /** Backoff between attempts of a retryable failure: first delay and cap, ms. */
  backoff?: { min: number; max: number };
}

const randomId = (): string => globalThis.crypto.randomUUID();

/**
 * Sends that survive the network: each message gets its `clientMessageId` once and keeps it through every
 * retry, so the server stores it once however many times it is sent. Retryable failures (network, timeout,
 * 5xx, RATE_LIMITED after `retryAfter`) are retried with backoff until acknowledged; a refusal (validation,
 * not a member, blocked) marks the item `failed`. In order, one at a time; with a persistent storage the
 * queue survives a reload.
 */
export class Outbox {
  private items: OutboxItem[];
  private running = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private readonly waiters = new Map<string, { resolve: (message: Message) => void; reject: (error: ChatError) => void }>();

  constructor(private readonly options: OutboxOptions) {
    this.items = readJson<OutboxItem[]>(options.storage, options.key) ?? [];
  }

  /** What is waiting (pending or failed), oldest first. */
  get pending(): readonly OutboxItem[] {
    return this.items;
  }

  /** Queue a message and start sending; resolves with the stored message once acknowledged. */
  enqueue(conversationId: string, body: SendBody, clientMessageId = randomId()): { clientMessageId: string; sent: Promise<Message> } {
    const item: OutboxItem = { clientMessageId, conversationId, body, createdAt: new Date().toISOString(), attempts: 0, state: 'pending' };
    this.items.push(item);
    this.save();
    const sent = new Promise<Message>((resolve, reject) => this.waiters.set(clientMessageId, { resolve, reject }));
    sent.catch(() => undefined);
    void this.flush();
    return { clientMessageId, sent };
  }

  /** Send a failed item again (after the user fixed what was wrong, say), or drop it. */
  retry(clientMessageId: string): void {
    const item = this.items.find((entry) => entry.clientMessageId === clientMessageId);
    if (item) item.state = 'pending';
    this.save();
    void this.flush();
  }

  discard(clientMessageId: string): void {
    this.items = this.items.filter((entry) => entry.clientMessageId !== clientMessageId);
    this.save();
  }

  /** Try now (the client calls it after every connect). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    if (this.running) return;
    this.running = true;
    try {
      for (let item = this.next(); item; item = this.next()) {
        item.attempts++;
        try {
          const message = await this.options.send(item);
          this.failures = 0;
          this.items = this.items.filter((entry) => entry !== item);
          this.save();
          this.options.onSent(item, message);
          this.waiters.get(item.clientMessageId)?.resolve(message);
          this.waiters.delete(item.clientMessageId);
        } catch (error) {
          if (isChatError(error) && !error.retryable) {
            item.state = 'failed';
            item.error = { code: error.code, message: error.message };
            this.save();
            this.waiters.get(item.clientMessageId)?.reject(error);
            this.waiters.delete(item.clientMessageId);
            continue;
          }
          const { min, max } = this.options.backoff ?? { min: 500, max: 15_000 };
          const retryAfter = isChatError(error) && error.retryAfter ? error.retryAfter * 1_000 : 0;
          const wait = Math.max(retryAfter, Math.min(max, min * 2 ** this.failures++));
          this.save();
          this.timer = later(() => void this.flush(), wait);
          return;
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Stop the retry timer. */
  close(): void {
    clearTimeout(this.timer);
  }

  private next(): OutboxItem | undefined {
    return this.items.find((item) => item.state === 'pending');
  }

  private save(): void {
    this.options.storage.setItem(this.options.key, JSON.stringify(this.items));
    this.options.onChange([...this.items]);
  }
}
