import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { io, type Socket, type SocketOptions, type ManagerOptions } from 'socket.io-client';
import type { TestApp } from './test-app.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Schema = Record<string, unknown>;

interface AsyncApiMessage {
  payload: Schema;
  'x-durable'?: boolean;
  'x-second-argument'?: Schema;
  'x-ack'?: Schema;
}

interface AsyncApiDocument {
  components: { messages: Record<string, AsyncApiMessage>; schemas: Record<string, Schema> };
}

/**
 * Checks socket traffic against the AsyncAPI document the server serves: every event a test socket
 * receives, and every acknowledgement it gets, must match the documented schema — strictly: no
 * undocumented field may slip through (say, who reacted), which the document itself doesn't forbid.
 */
export class AsyncApiChecker {
  readonly violations: string[] = [];
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv = addFormats(new Ajv({ strict: false, allErrors: true }));

  constructor(private readonly document: AsyncApiDocument) {
    const strictSchemas = Object.fromEntries(Object.entries(document.components.schemas).map(([name, schema]) => [name, closed(schema)]));
    this.ajv.addSchema({ $id: 'asyncapi', components: { schemas: strictSchemas } });
  }

  static async load(running: TestApp): Promise<AsyncApiChecker> {
    const response = await running.app.inject({ method: 'GET', url: '/docs/asyncapi.json' });
    if (response.statusCode !== 200) throw new Error(`asyncapi.json answered ${response.statusCode}`);
    return new AsyncApiChecker(response.json() as AsyncApiDocument);
  }

  get serverEvents(): string[] {
    return Object.entries(this.document.components.messages)
      .filter(([, message]) => !message['x-ack'])
      .map(([name]) => name);
  }

  /** Records a violation (and answers false) unless `args` is what the document says `event` carries. */
  checkServerEvent(event: string, args: unknown[]): boolean {
    const message = this.document.components.messages[event];
    if (!message || message['x-ack']) return this.violation(`received undocumented server event "${event}"`);
    const [payload, meta] = args;
    const expectedArgs = message['x-durable'] ? 2 : 1;
    if (args.length !== expectedArgs) return this.violation(`"${event}" came with ${args.length} arguments, documented ${expectedArgs}`);
    return (
      this.check(`${event} payload`, message.payload, payload) && (!message['x-durable'] || this.check(`${event} meta`, message['x-second-argument']!, meta))
    );
  }

  checkAck(event: string, ack: unknown): boolean {
    const message = this.document.components.messages[event];
    if (!message?.['x-ack']) return this.violation(`"${event}" is not a documented client event`);
    return this.check(`${event} ack`, message['x-ack'], ack);
  }

  private check(what: string, schema: Schema, value: unknown): boolean {
    const key = JSON.stringify(schema);
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebase(closed(schema)));
      this.validators.set(key, validate);
    }
    if (validate(value)) return true;
    return this.violation(`${what} does not match the document: ${this.ajv.errorsText(validate.errors)} — ${JSON.stringify(value)}`);
  }

  private violation(text: string): false {
    this.violations.push(text);
    return false;
  }
}

/** The schema with every object that lists its properties closed to others. */
function closed(schema: unknown): Schema {
  if (Array.isArray(schema)) return schema.map(closed) as unknown as Schema;
  if (!schema || typeof schema !== 'object') return schema as Schema;
  const copy: Record<string, unknown> = Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, key === 'properties' ? mapValues(value as Schema, closed) : closed(value)]),
  );
  if (copy.type === 'object' && copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

/** Local `#/components/...` references point into the document registered as `asyncapi`. */
function rebase(schema: Schema): Schema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"asyncapi#/components/')) as Schema;
}

function mapValues(record: Schema, map: (value: unknown) => unknown): Schema {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

export interface Received {
  event: string;
  args: unknown[];
}

/**
 * A socket.io-client socket that records everything it receives (and checks it against the document),
 * with helpers to wait for an event or to make sure one does not come.
 */
export class TestSocket {
  readonly received: Received[] = [];
  disconnectReason?: string;
  private waiters: Array<{ match: (received: Received) => boolean; resolve: (received: Received) => void }> = [];

  constructor(
    readonly socket: Socket,
    private readonly checker: AsyncApiChecker,
  ) {
    socket.once('disconnect', (reason) => {
      this.disconnectReason = reason;
    });
    socket.onAny((event: string, ...args: unknown[]) => {
      checker.checkServerEvent(event, args);
      const received = { event, args };
      this.received.push(received);
      const waiter = this.waiters.find((candidate) => candidate.match(received));
      if (waiter) {
        this.waiters = this.waiters.filter((candidate) => candidate !== waiter);
        waiter.resolve(received);
      }
    });
  }

  /** The first event named `event` (already received or still to come) whose payload passes `where`. */
  next<T = unknown>(event: string, where: (payload: T) => boolean = () => true, timeoutMs = 5_000): Promise<{ payload: T; meta: { cursor: string } }> {
    const match = (received: Received) => received.event === event && where(received.args[0] as T);
    const seen = this.received.find(match);
    const toResult = (received: Received) => ({ payload: received.args[0] as T, meta: received.args[1] as { cursor: string } });
    if (seen) return Promise.resolve(toResult(seen));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((candidate) => candidate.resolve !== done);
        reject(new Error(`no "${event}" matching within ${timeoutMs} ms; got: ${this.received.map((r) => r.event).join(', ') || 'nothing'}`));
      }, timeoutMs);
      const done = (received: Received) => {
        clearTimeout(timer);
        resolve(toResult(received));
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  /** Every received event named `event` whose payload passes `where`. */
  all<T = unknown>(event: string, where: (payload: T) => boolean = () => true): Array<{ payload: T; meta: { cursor: string } }> {
    return this.received
      .filter((received) => received.event === event && where(received.args[0] as T))
      .map((received) => ({ payload: received.args[0] as T, meta: received.args[1] as { cursor: string } }));
  }

  /** Emits with an acknowledgement and checks the answer against the document. */
  async request<T = unknown>(
    event: string,
    payload: unknown,
    timeoutMs = 5_000,
  ): Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string; retryAfter?: number } }> {
    const ack = await this.socket.timeout(timeoutMs).emitWithAck(event, payload);
    this.checker.checkAck(event, ack);
    return ack;
  }

  /** Resolves with the reason of the (first) disconnect, once it happened. */
  disconnected(timeoutMs = 5_000): Promise<string> {
    if (this.disconnectReason) return Promise.resolve(this.disconnectReason);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`still connected after ${timeoutMs} ms`)), timeoutMs);
      this.socket.once('disconnect', (reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
    });
  }

  close() {
    this.socket.disconnect();
  }
}

export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/** A socket.io-client socket to `url`, not yet connecting; reconnection is off unless asked for. */
export function clientSocket(url: string, token: string | undefined, options: ClientOptions = {}): Socket {
  return io(url, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    autoConnect: false,
    ...options,
  });
}

/** Resolves once connected; rejects with the `connect_error`. */
export function connected(socket: Socket, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not connected within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    if (!socket.active) socket.connect();
  });
}

/** The `connect_error` a refused handshake gives. */
export async function refusal(socket: Socket, timeoutMs = 5_000): Promise<Error> {
  try {
    await connected(socket, timeoutMs);
  } catch (error) {
    return error as Error;
  } finally {
    socket.disconnect();
  }
  throw new Error('the handshake was accepted');
}

/**
 * Opens sockets for a suite and closes them all in `closeAll` (call it in afterAll), so Jest can exit.
 */
export function socketFactory(checker: () => AsyncApiChecker) {
  const open: TestSocket[] = [];
  return {
    async connect(url: string, token: string, options: ClientOptions = {}): Promise<TestSocket> {
      const socket = new TestSocket(clientSocket(url, token, options), checker());
      open.push(socket);
      await connected(socket.socket);
      return socket;
    },
    closeAll() {
      for (const socket of open.splice(0)) socket.close();
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
