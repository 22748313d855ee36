import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const TERMINATE = 0x58; // 'X'
const SASL_RESPONSE = 0x70; // 'p': SASLInitialResponse and SASLResponse
/** Sync, simple Query and Flush end a unit of work that the backend must see without interleaving. */
const UNIT_END = new Set([0x53, 0x51, 0x48]);
/** A simple-protocol `ROLLBACK`, for a connection that vanished inside a transaction. */
const ROLLBACK = Buffer.concat([Buffer.from('Q'), Buffer.from([0, 0, 0, 13]), Buffer.from('ROLLBACK\0')]);

const PARSE = 0x50; // 'P'
const BIND = 0x42; // 'B'
const DESCRIBE = 0x44; // 'D'
const EXECUTE = 0x45; // 'E'
const CLOSE = 0x43; // 'C'
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

/** A protocol message of `type` with this body: type, length, body. */
function frame(type: number, ...body: Buffer[]): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(4 + body.reduce((sum, part) => sum + part.length, 0));
  return Buffer.concat([Buffer.from([type]), length, ...body]);
}

/**
 * PostgreSQL keeps prepared statements (and portals) per session; PGlite's one backend has one namespace
 * for all our connections, so two of them preparing the same name would collide ("prepared statement …
 * already exists"). Each connection's names get a prefix of its own on the way in; what it prepared is
 * closed when it goes.
 */
class StatementNames {
  private static next = 0;
  private readonly prefix = Buffer.from(`c${++StatementNames.next}/`);
  /** The backend's names of this connection's prepared statements. */
  readonly prepared = new Set<string>();

  /** The message with its statement and portal names prefixed; unnamed ones stay unnamed. */
  rewrite(type: number, message: Buffer): Buffer {
    const body = message.subarray(5);
    switch (type) {
      case PARSE: {
        const [name, rest] = this.renamed(body, 0);
        if (name.length > 1) this.prepared.add(name.subarray(0, -1).toString());
        return frame(type, name, rest);
      }
      case BIND: {
        const [portal, afterPortal] = this.renamed(body, 0);
        const [statement, rest] = this.renamed(afterPortal, 0);
        return frame(type, portal, statement, rest);
      }
      case EXECUTE:
        return frame(type, ...this.renamed(body, 0));
      case DESCRIBE:
      case CLOSE: {
        const [name, rest] = this.renamed(body, 1);
        if (type === CLOSE && body[0] === 0x53) this.prepared.delete(name.subarray(0, -1).toString());
        return frame(type, body.subarray(0, 1), name, rest);
      }
      default:
        return message;
    }
  }

  /** Closes (then syncs) every statement this connection prepared: the backend outlives the connection. */
  closeAll(): Buffer | null {
    if (!this.prepared.size) return null;
    const closes = [...this.prepared].map((name) => frame(CLOSE, Buffer.from('S'), Buffer.from(name), Buffer.from([0])));
    this.prepared.clear();
    return Buffer.concat([...closes, SYNC]);
  }

  /** The NUL-terminated name at `start` (prefixed unless empty, its NUL kept), and the bytes after it. */
  private renamed(body: Buffer, start: number): [Buffer, Buffer] {
    const end = body.indexOf(0, start);
    if (end < 0) return [body.subarray(start), Buffer.alloc(0)];
    const name = body.subarray(start, end);
    return [Buffer.concat(name.length ? [this.prefix, name, Buffer.from([0])] : [Buffer.from([0])]), body.subarray(end + 1)];
  }
}

interface Unit {
  connection: WireConnection;
  bytes: Uint8Array;
}

/**
 * PGlite has one backend, so connections take turns. A turn is a whole unit of the extended protocol
 * (Parse … Sync): handing the backend one message at a time, as @electric-sql/pglite-socket does, lets
 * another connection's Parse replace the unnamed statement between a Parse and its Bind ("unnamed
 * prepared statement does not exist") under concurrent queries. A connection inside a transaction keeps
 * the backend until the transaction ends.
 */
class TurnScheduler {
  private readonly queue: Unit[] = [];
  private owner: WireConnection | null = null;
  private busy = false;
  private readonly db: PGlite;

  constructor(db: PGlite) {
    this.db = db;
  }

  submit(unit: Unit) {
    this.queue.push(unit);
    void this.pump();
  }

  /** Drops what a closed connection had queued, rolls back the transaction it left open and closes its statements. */
  release(connection: WireConnection, closeStatements: Buffer | null) {
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].connection === connection) this.queue.splice(i, 1);
    if (this.owner === connection) this.submit({ connection, bytes: ROLLBACK });
    if (closeStatements) this.submit({ connection, bytes: closeStatements });
  }

  private async pump() {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        const index = this.owner ? this.queue.findIndex((unit) => unit.connection === this.owner) : 0;
        if (index < 0 || this.queue.length === 0) return;
        const [unit] = this.queue.splice(index, 1);
        // A unit queued behind the engine's close (a closed connection's clean-up, say) has nothing left to run on.
        await this.db.runExclusive(async () => {
          if (this.db.ready) await this.db.execProtocolRawStream(unit.bytes, { onRawData: (data) => unit.connection.write(data) });
        });
        this.owner = this.db.ready && this.db.isInTransaction() ? unit.connection : null;
      }
    } finally {
      this.busy = false;
    }
  }
}

/** What the server keeps of its password: the SCRAM-SHA-256 verifier, as PostgreSQL stores one. */
interface ScramVerifier {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const SCRAM_ITERATIONS = 4096;
const SCRAM_MECHANISM = 'SCRAM-SHA-256';
/** Time a connection gets to authenticate; longer is not a client of ours. */
const AUTHENTICATION_TIMEOUT_MS = 10_000;
/** No start-up message of a real client comes near this. */
const MAX_STARTUP_BYTES = 10_000;

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest();

function scramVerifier(password: string): ScramVerifier {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  return { salt, iterations: SCRAM_ITERATIONS, storedKey: sha256(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') };
}

/** A backend message: type byte, length, body. */
function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function authentication(code: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32BE(code);
  return message('R', Buffer.concat([head, data]));
}

function fatal(code: string, text: string): Buffer {
  const field = (tag: string, value: string) => Buffer.from(`${tag}${value}\0`, 'utf8');
  return message('E', Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', text), Buffer.from([0])]));
}

/** `k=v` attributes of a SCRAM message. */
function attributes(text: string): Map<string, string> {
  return new Map(text.split(',').map((part) => [part.slice(0, 1), part.slice(2)]));
}

type Phase = 'startup' | 'sasl-initial' | 'sasl-final' | 'ready' | 'refused';

/**
 * One client connection. Nothing reaches the database before the client proved it knows the
 * server's password (SCRAM-SHA-256, which `pg` speaks; any other method, or a wrong password, is
 * refused with 28P01 and the connection closed): the port is on 127.0.0.1, but any local process can
 * reach that, and the database holds every password hash and who is admin.
 */
class WireConnection {
  private buffer = Buffer.alloc(0);
  private phase: Phase = 'startup';
  private startup: Buffer | null = null;
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private pending: Buffer[] = [];
  private readonly names = new StatementNames();
  private readonly deadline: NodeJS.Timeout;
  private readonly socket: Socket;
  private readonly scheduler: TurnScheduler;
  private readonly verifier: ScramVerifier;

  constructor(socket: Socket, scheduler: TurnScheduler, verifier: ScramVerifier) {
    this.socket = socket;
    this.scheduler = scheduler;
    this.verifier = verifier;
    this.deadline = setTimeout(() => this.refuse('authentication took too long'), AUTHENTICATION_TIMEOUT_MS).unref();
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(this.deadline);
      scheduler.release(this, this.names.closeAll());
    });
  }

  write(data: Uint8Array) {
    if (this.socket.writable) this.socket.write(data);
  }

  close() {
    this.socket.destroy();
  }

  private receive(chunk: Buffer) {
    if (this.phase === 'refused') return;
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.phase !== 'ready' && this.buffer.length > MAX_STARTUP_BYTES) return this.refuse('start-up message too long');
    while (this.phase === 'startup' ? this.takeStartup() : this.takeMessage());
  }

  private refuse(reason: string) {
    if (this.phase === 'ready' || this.phase === 'refused' || this.socket.destroyed) return;
    this.phase = 'refused';
    this.buffer = Buffer.alloc(0);
    this.socket.end(fatal('28P01', `password authentication failed (${reason})`));
    this.socket.destroySoon();
  }

  /** Startup-phase messages have no type byte: SSL and GSS requests are declined, then the startup packet. */
  private takeStartup(): boolean {
    if (this.socket.destroyed || this.buffer.length < 8) return false;
    const length = this.buffer.readInt32BE(0);
    if (length < 8 || length > MAX_STARTUP_BYTES) {
      this.refuse('malformed start-up message');
      return false;
    }
    if (this.buffer.length < length) return false;
    const code = this.buffer.readInt32BE(4);
    const startup = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      this.socket.write('N');
      return true;
    }
    if (code === CANCEL_REQUEST) {
      this.socket.end();
      return false;
    }
    this.startup = Buffer.from(startup);
    this.phase = 'sasl-initial';
    this.socket.write(authentication(10, Buffer.from(`${SCRAM_MECHANISM}\0\0`, 'latin1')));
    return true;
  }

  private takeMessage(): boolean {
    if (this.socket.destroyed || this.buffer.length < 5) return false;
    const length = this.buffer.readInt32BE(1) + 1;
    if (this.buffer.length < length) return false;
    const type = this.buffer[0];
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    if (this.phase !== 'ready') return this.authenticate(type, message.subarray(5));
    if (type === TERMINATE) {
      this.socket.end();
      return false;
    }
    this.pending.push(this.names.rewrite(type, message));
    if (UNIT_END.has(type)) {
      this.scheduler.submit({ connection: this, bytes: Buffer.concat(this.pending) });
      this.pending = [];
    }
    return true;
  }

  /** The SCRAM-SHA-256 exchange (RFC 5802, RFC 7677), server side; false when the connection is refused. */
  private authenticate(type: number, body: Buffer): boolean {
    if (type !== SASL_RESPONSE) {
      this.refuse('SCRAM-SHA-256 is required');
      return false;
    }
    if (this.phase === 'sasl-initial') {
      const end = body.indexOf(0);
      const mechanism = body.subarray(0, end).toString('latin1');
      const clientFirst = body.subarray(end + 5).toString('utf8');
      // `n,,`: no channel binding, no authorization identity.
      if (mechanism !== SCRAM_MECHANISM || !/^[ny],,/.test(clientFirst)) {
        this.refuse('SCRAM-SHA-256 without channel binding is required');
        return false;
      }
      this.clientFirstBare = clientFirst.slice(clientFirst.indexOf(',,') + 2);
      const clientNonce = attributes(this.clientFirstBare).get('r');
      if (!clientNonce) {
        this.refuse('malformed SCRAM message');
        return false;
      }
      this.nonce = clientNonce + randomBytes(18).toString('base64');
      this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
      this.phase = 'sasl-final';
      this.socket.write(authentication(11, Buffer.from(this.serverFirst, 'utf8')));
      return true;
    }
    const clientFinal = body.toString('utf8');
    const proofAt = clientFinal.lastIndexOf(',p=');
    const fields = attributes(clientFinal);
    const proof = Buffer.from(fields.get('p') ?? '', 'base64');
    if (proofAt < 0 || fields.get('r') !== this.nonce || proof.length !== 32) {
      this.refuse('malformed SCRAM message');
      return false;
    }
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${clientFinal.slice(0, proofAt)}`;
    const signature = hmac(this.verifier.storedKey, authMessage);
    const clientKey = Buffer.from(proof.map((byte, index) => byte ^ signature[index]));
    if (!timingSafeEqual(sha256(clientKey), this.verifier.storedKey)) {
      this.refuse('wrong password');
      return false;
    }
    clearTimeout(this.deadline);
    this.phase = 'ready';
    this.socket.write(authentication(12, Buffer.from(`v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}`, 'utf8')));
    // PGlite answers the start-up message itself (AuthenticationOk, parameters, ReadyForQuery).
    this.scheduler.submit({ connection: this, bytes: this.startup! });
    this.startup = null;
    return true;
  }
}

/**
 * Serves a PGlite database over the PostgreSQL wire protocol on 127.0.0.1, for the ordinary `pg` driver,
 * to clients that know `password`: a random one made for this server, so only the process that started
 * it (and learned the password from it) can connect.
 */
export class PGliteWireServer {
  readonly password = randomBytes(24).toString('base64url');
  private readonly server: Server;
  private readonly connections = new Set<WireConnection>();

  constructor(db: PGlite) {
    const scheduler = new TurnScheduler(db);
    const verifier = scramVerifier(this.password);
    this.server = createServer((socket) => {
      const connection = new WireConnection(socket, scheduler, verifier);
      this.connections.add(connection);
      socket.on('close', () => this.connections.delete(connection));
    });
  }

  /** Listens on a free port and returns it. */
  listen(host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, host, () => resolve((this.server.address() as { port: number }).port));
    });
  }

  close(): Promise<void> {
    for (const connection of this.connections) connection.close();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
