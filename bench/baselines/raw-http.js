// Baseline for the HTTP scenarios: raw Fastify + pg + jsonwebtoken, no framework on top, running the
// same SQL as the server for the same answer. Whatever the candidate costs beyond this is the price of
// NestJS, validation, guards, interceptors, TypeORM's query path and the mappers.
//
//   node bench/baselines/raw-http.js   (PORT, DATABASE_URL, JWT_SECRET, DATABASE_POOL_SIZE)
import { createSecretKey } from 'node:crypto';
import Fastify from 'fastify';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { createEventTable, INSERT_EVENT } from './event-table.js';
import { INBOX_PAGE } from './inbox-table.js';
import { conversationListQuery } from '../../dist/src/memberships/conversations.repository.js';
import { historyQuery, unreadCountsQuery, unreadMentionsQuery } from '../../dist/src/messages/messages.repository.js';
import { messageDetailsQuery } from '../../dist/src/messages/message-views.js';

// A KeyObject made once, as the app does (a string makes jsonwebtoken rebuild the key on every verify).
const secret = createSecretKey(Buffer.from(process.env.JWT_SECRET, 'utf8'));
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE) || 10 });
const app = Fastify({ logger: false });

// The statements of src/messages and src/conversations that are not exported as query builders, verbatim.
const MESSAGE_COLUMNS = `m.id, m.conversation_id, m.seq, m.sender_id, u.username AS sender_username,
       u.display_name AS sender_display_name, m.content, m.reply_to_id, m.client_message_id,
       m.created_at, m.edited_at, m.deleted_at`;
const MESSAGE_SELECT = `SELECT ${MESSAGE_COLUMNS} FROM message m JOIN users u ON u.id = m.sender_id`;
const ACCESS = `SELECT c.type, c.title, c.direct_key, c.last_seq, mb.role
         FROM conversation_member mb JOIN conversation c ON c.id = mb.conversation_id
        WHERE mb.conversation_id = $1 AND mb.user_id = $2
        `;
const AT_SEQS = `${MESSAGE_SELECT}
         JOIN unnest($1::uuid[], $2::bigint[]) AS p(conversation_id, seq) ON m.conversation_id = p.conversation_id AND m.seq = p.seq`;
const MEMBER_COUNTS = `SELECT conversation_id, count(*)::int AS members FROM conversation_member WHERE conversation_id = ANY($1::uuid[]) GROUP BY conversation_id`;
const SEQ_BUMP = `UPDATE conversation SET last_seq = last_seq + 1, last_message_at = clock_timestamp() WHERE id = $1 RETURNING last_seq`;
const INSERT = `INSERT INTO message (conversation_id, seq, sender_id, content, reply_to_id, client_message_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT last_message_at FROM conversation WHERE id = $1))
         RETURNING *`;

/** The same check as the server's guard: Bearer token, HS256 only, expiry, the claims' shape. */
function caller(request, reply) {
  const header = request.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : '';
  try {
    const payload = jwt.verify(token, secret, { algorithms: ['HS256'] });
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw new Error('claims');
    return payload.sub;
  } catch {
    reply.code(401).send({ statusCode: 401, error: 'Unauthorized', code: 'UNAUTHORIZED', message: 'A valid access token is required' });
    return null;
  }
}

function notFound(reply) {
  return reply.code(404).send({ statusCode: 404, error: 'Not Found', code: 'NOT_FOUND', message: 'Conversation not found' });
}

const iso = (date) => (date ? date.toISOString() : null);

/** The same one follow-up statement as MessageViews.hydrate (`messageDetailsQuery`), then the same shape. */
async function hydrate(rows, viewerId) {
  if (!rows.length) return [];
  const pairs = [...new Map(rows.map((row) => [`${row.conversation_id}:${row.sender_id}`, row])).values()];
  const details = messageDetailsQuery(
    rows.map((row) => row.id),
    pairs.map((row) => ({ conversationId: row.conversation_id, senderId: row.sender_id })),
  );
  const [found] = (await pool.query(details.sql, details.parameters)).rows;
  const reactions = found.reactions.map(({ m, e, u }) => ({ message_id: m, emoji: e, user_ids: u }));
  const attachments = found.attachments.map(({ m, id }) => ({ message_id: m, media_id: id }));
  const mentions = found.mentions;
  const markersByPair = new Map(found.markers.map(({ c, s, r, d }) => [`${c}:${s}`, { read_seq: r, delivered_seq: d }]));
  return rows.map((row) => {
    const seq = Number(row.seq);
    const others = markersByPair.get(`${row.conversation_id}:${row.sender_id}`);
    const status = !others ? 'sent' : Number(others.read_seq) >= seq ? 'read' : Number(others.delivered_seq) >= seq ? 'delivered' : 'sent';
    return {
      id: row.id,
      conversationId: row.conversation_id,
      seq,
      sender: { id: row.sender_id, username: row.sender_username, displayName: row.sender_display_name },
      content: row.content,
      attachments: attachments.filter((attachment) => attachment.message_id === row.id),
      replyToId: row.reply_to_id,
      clientMessageId: row.client_message_id,
      mentions: mentions.filter((mention) => mention.m === row.id).map((mention) => mention.u),
      reactions: reactions
        .filter((reaction) => reaction.message_id === row.id)
        .map((reaction) => ({ emoji: reaction.emoji, count: reaction.user_ids.length, me: reaction.user_ids.includes(viewerId) })),
      status,
      createdAt: iso(row.created_at),
      editedAt: iso(row.edited_at),
      deletedAt: iso(row.deleted_at),
    };
  });
}

app.get('/health/live', async () => ({ status: 'ok' }));

app.get('/api/v1/conversations/:id/messages', async (request, reply) => {
  const userId = caller(request, reply);
  if (!userId) return reply;
  const conversationId = request.params.id;
  const limit = Number(request.query.limit ?? 50);
  if ((await pool.query(ACCESS, [conversationId, userId])).rows.length === 0) return notFound(reply);
  const after = request.query.after === undefined ? undefined : Number(request.query.after);
  const before = request.query.before === undefined ? undefined : Number(request.query.before);
  const { sql, parameters } = historyQuery({ conversationId, after, before, limit: limit + 1 });
  const rows = (await pool.query(sql, parameters)).rows;
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  return { items: await hydrate(after !== undefined ? page : page.reverse(), userId), hasMore };
});

app.post('/api/v1/conversations/:id/messages', async (request, reply) => {
  const userId = caller(request, reply);
  if (!userId) return reply;
  const { content, clientMessageId } = request.body ?? {};
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const bumped = await client.query(SEQ_BUMP, [request.params.id]);
    if (!bumped.rows.length) {
      await client.query('ROLLBACK');
      return notFound(reply);
    }
    const { rows } = await client.query(INSERT, [request.params.id, bumped.rows[0].last_seq, userId, content, null, clientMessageId]);
    const row = rows[0];
    const message = {
      id: row.id,
      conversationId: row.conversation_id,
      seq: Number(row.seq),
      sender: { id: userId },
      content: row.content,
      attachments: [],
      replyToId: null,
      clientMessageId: row.client_message_id,
      reactions: [],
      status: 'sent',
      createdAt: iso(row.created_at),
      editedAt: null,
      deletedAt: null,
    };
    await client.query(INSERT_EVENT, [request.params.id, row.id, message]);
    await client.query('COMMIT');
    return reply.code(201).send(message);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
});

app.get('/api/v1/conversations', async (request, reply) => {
  const userId = caller(request, reply);
  if (!userId) return reply;
  const limit = Number(request.query.limit ?? 50);
  const list = conversationListQuery({ userId, limit: limit + 1 });
  const rows = (await pool.query(list.sql, list.parameters)).rows;
  const page = rows.slice(0, limit);
  const newest = page.filter((row) => Number(row.last_seq) > 0);
  const lastRows = (await pool.query(AT_SEQS, [newest.map((row) => row.id), newest.map((row) => row.last_seq)])).rows;
  const lastMessages = new Map((await hydrate(lastRows, userId)).map((message) => [message.conversationId, message]));
  const unread = unreadCountsQuery(page.map((row) => ({ conversationId: row.id, userId: row.user_id, lastReadSeq: Number(row.last_read_seq) })));
  const unreadRows = (await pool.query(unread.sql, unread.parameters)).rows;
  const unreadBy = new Map(unreadRows.map((row) => [row.conversation_id, row.unread]));
  const mentions = unreadMentionsQuery(page.map((row) => ({ conversationId: row.id, userId: row.user_id, lastReadSeq: Number(row.last_read_seq) })));
  const mentionsBy = new Map((await pool.query(mentions.sql, mentions.parameters)).rows.map((row) => [row.conversation_id, row.unread]));
  const counts = new Map((await pool.query(MEMBER_COUNTS, [page.map((row) => row.id)])).rows.map((row) => [row.conversation_id, row.members]));
  const last = page[page.length - 1];
  return {
    items: page.map((row) => ({
      id: row.id,
      type: row.type,
      title: row.title,
      createdAt: iso(row.created_at),
      lastSeq: Number(row.last_seq),
      lastMessage: lastMessages.get(row.id) ?? null,
      unreadCount: unreadBy.get(row.id) ?? 0,
      unreadMentions: mentionsBy.get(row.id) ?? 0,
      muted: row.muted,
      archived: row.archived,
      pinned: row.pinned_at !== null,
      myRole: row.role,
      memberCount: counts.get(row.id) ?? 0,
    })),
    nextCursor: rows.length > limit ? Buffer.from(JSON.stringify({ positionAt: last.position_at, id: last.id })).toString('base64url') : null,
  };
});

// Scenario 9's hand-written baseline (bench/baselines/inbox-table.js): the page from one index range scan,
// its counters read off the row, then the same last-message statements as the route above.
app.get('/api/v1/conversations-by-hand', async (request, reply) => {
  const userId = caller(request, reply);
  if (!userId) return reply;
  const limit = Number(request.query.limit ?? 50);
  const rows = (await pool.query(INBOX_PAGE, [userId, limit + 1])).rows;
  const page = rows.slice(0, limit);
  const newest = page.filter((row) => Number(row.last_seq) > 0);
  const lastRows = (await pool.query(AT_SEQS, [newest.map((row) => row.conversation_id), newest.map((row) => row.last_seq)])).rows;
  const lastMessages = new Map((await hydrate(lastRows, userId)).map((message) => [message.conversationId, message]));
  const last = page[page.length - 1];
  return {
    items: page.map((row) => ({
      id: row.conversation_id,
      type: row.type,
      title: row.title,
      createdAt: iso(row.created_at),
      lastSeq: Number(row.last_seq),
      lastMessage: lastMessages.get(row.conversation_id) ?? null,
      unreadCount: row.unread,
      unreadMentions: row.unread_mentions,
      muted: row.muted,
      archived: row.archived,
      pinned: row.pinned_at !== null,
      myRole: row.role,
      memberCount: row.member_count,
    })),
    nextCursor: rows.length > limit ? Buffer.from(JSON.stringify({ activityAt: iso(last.activity_at), id: last.conversation_id })).toString('base64url') : null,
  };
});

await createEventTable(pool);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
