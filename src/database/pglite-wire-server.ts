import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const TERMINATE = 0x58; // 'X'
/** Sync, simple Query and Flush end a unit of work that the backend must see without interleaving. */
const UNIT_END = new Set([0x53, 0x51, 0x48]);
/** A simple-protocol `ROLLBACK`, for a connection that vanished inside a transaction. */
const ROLLBACK = Buffer.concat([Buffer.from('Q'), Buffer.from([0, 0, 0, 13]), Buffer.from('ROLLBACK\0')]);

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

  /** Drops what a closed connection had queued and rolls back the transaction it left open. */
  release(connection: WireConnection) {
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].connection === connection) this.queue.splice(i, 1);
    if (this.owner === connection) this.submit({ connection, bytes: ROLLBACK });
  }

  private async pump() {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        const index = this.owner ? this.queue.findIndex((unit) => unit.connection === this.owner) : 0;
        if (index < 0 || this.queue.length === 0) return;
        const [unit] = this.queue.splice(index, 1);
        await this.db.runExclusive(() =>
          this.db.execProtocolRawStream(unit.bytes, { onRawData: (data) => unit.connection.write(data) }),
        );
        this.owner = this.db.isInTransaction() ? unit.connection : null;
      }
    } finally {
      this.busy = false;
    }
  }
}

class WireConnection {
  private buffer = Buffer.alloc(0);
  private started = false;
  private pending: Buffer[] = [];
  private readonly socket: Socket;
  private readonly scheduler: TurnScheduler;

  constructor(socket: Socket, scheduler: TurnScheduler) {
    this.socket = socket;
    this.scheduler = scheduler;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => scheduler.release(this));
  }

  write(data: Uint8Array) {
    if (this.socket.writable) this.socket.write(data);
  }

  close() {
    this.socket.destroy();
  }

  private receive(chunk: Buffer) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.started ? this.takeMessage() : this.takeStartup());
  }

  /** Startup-phase messages have no type byte: SSL and GSS requests are declined, then the startup packet. */
  private takeStartup(): boolean {
    if (this.buffer.length < 8) return false;
    const length = this.buffer.readInt32BE(0);
    if (this.buffer.length < length) return false;
    const code = this.buffer.readInt32BE(4);
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      this.socket.write('N');
      return true;
    }
    if (code === CANCEL_REQUEST) {
      this.socket.end();
      return false;
    }
    this.started = true;
    this.scheduler.submit({ connection: this, bytes: message });
    return true;
  }

  private takeMessage(): boolean {
    if (this.buffer.length < 5) return false;
    const length = this.buffer.readInt32BE(1) + 1;
    if (this.buffer.length < length) return false;
    const type = this.buffer[0];
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    if (type === TERMINATE) {
      this.socket.end();
      return false;
    }
    this.pending.push(message);
    if (UNIT_END.has(type)) {
      this.scheduler.submit({ connection: this, bytes: Buffer.concat(this.pending) });
      this.pending = [];
    }
    return true;
  }
}

/** Serves a PGlite database over the PostgreSQL wire protocol on 127.0.0.1, for the ordinary `pg` driver. */
export class PGliteWireServer {
  private readonly server: Server;
  private readonly connections = new Set<WireConnection>();

  constructor(db: PGlite) {
    const scheduler = new TurnScheduler(db);
    this.server = createServer((socket) => {
      const connection = new WireConnection(socket, scheduler);
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
