// Baseline for the realtime scenarios: a plain socket.io server. The handshake checks the same JWT
// (jsonwebtoken, HS256) and joins the rooms the client names; `message.send` builds a Message of the same
// shape and broadcasts it to the conversation's room, then acknowledges. With BASELINE_PERSIST=1 it first
// does the server's writes with raw pg (seq bump + insert in one transaction), for the send scenario.
//
//   node bench/baselines/raw-socketio.js   (PORT, JWT_SECRET, BASELINE_PERSIST, DATABASE_URL)
import { createSecretKey, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { Server } from 'socket.io';
import { createEventTable, INSERT_EVENT } from './event-table.js';

// A KeyObject made once, as the app does (a string makes jsonwebtoken rebuild the key on every verify).
const secret = createSecretKey(Buffer.from(process.env.JWT_SECRET, 'utf8'));
const persist = process.env.BASELINE_PERSIST === '1';
const pool = persist ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE) || 10 }) : null;

const SEQ_BUMP = `UPDATE conversation SET last_seq = last_seq + 1, last_message_at = clock_timestamp() WHERE id = $1 RETURNING last_seq`;
const INSERT = `INSERT INTO message (conversation_id, seq, sender_id, content, reply_to_id, client_message_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT last_message_at FROM conversation WHERE id = $1))
         RETURNING id, seq, created_at`;

const http = createServer((request, response) => {
  if (request.url === '/health/live') {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  response.writeHead(404).end();
});
const io = new Server(http, { path: '/socket.io', serveClient: false, maxHttpBufferSize: 64 * 1024 });

io.use((socket, next) => {
  try {
    const payload = jwt.verify(socket.handshake.auth?.token ?? '', secret, { algorithms: ['HS256'] });
    socket.data = { userId: payload.sub };
    const rooms = Array.isArray(socket.handshake.auth?.rooms) ? socket.handshake.auth.rooms : [];
    socket.join([`user:${payload.sub}`, ...rooms.map((id) => `conversation:${id}`)]);
    next();
  } catch {
    next(new Error('UNAUTHORIZED'));
  }
});

/** The event's data: the message as the app's event carries it. */
const messageData = (row, senderId) => ({
  id: row.id,
  conversationId: row.conversation_id,
  seq: Number(row.seq),
  sender: { id: senderId },
  content: row.content,
  attachments: [],
  replyToId: null,
  clientMessageId: row.client_message_id,
  reactions: [],
  status: 'sent',
  createdAt: row.created_at,
  editedAt: null,
  deletedAt: null,
});

let seq = 0;
async function write(conversationId, senderId, content, clientMessageId) {
  if (!persist) return { id: randomUUID(), seq: ++seq, created_at: new Date() };
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const bumped = await client.query(SEQ_BUMP, [conversationId]);
    const { rows } = await client.query(INSERT, [conversationId, bumped.rows[0].last_seq, senderId, content, null, clientMessageId]);
    await client.query(INSERT_EVENT, [conversationId, rows[0].id, messageData(rows[0], senderId)]);
    await client.query('COMMIT');
    return rows[0];
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

io.on('connection', (socket) => {
  socket.on('message.send', async (payload, ack) => {
    try {
      const { conversationId, content, clientMessageId } = payload;
      const row = await write(conversationId, socket.data.userId, content, clientMessageId);
      const message = {
        id: row.id,
        conversationId,
        seq: Number(row.seq),
        sender: { id: socket.data.userId, username: 'sender', displayName: 'Sender' },
        content,
        attachments: [],
        replyToId: null,
        clientMessageId,
        reactions: [],
        status: 'sent',
        createdAt: row.created_at.toISOString(),
        editedAt: null,
        deletedAt: null,
      };
      io.to(`conversation:${conversationId}`).emit('message.created', message, { cursor: String(seq) });
      if (typeof ack === 'function') ack({ ok: true, data: message });
    } catch (error) {
      if (typeof ack === 'function') ack({ ok: false, error: { code: 'INTERNAL', message: error.message } });
    }
  });
});

if (pool) await createEventTable(pool);
http.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  io.close();
  void (pool ? pool.end() : Promise.resolve()).then(() => process.exit(0));
});
