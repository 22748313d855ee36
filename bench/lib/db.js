// The benchmark's own database on the machine's PostgreSQL, and the data every scenario needs, seeded in
// bulk with SQL (users, memberships, a million messages) where going through the API would take hours.
import argon2 from 'argon2';
import jwt from 'jsonwebtoken';
import pg from 'pg';

export const BENCH_PASSWORD = 'bench-password-1';
/** Same parameters as src/auth/password-hasher.ts (OWASP argon2id baseline). */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function databaseUrlFor(adminUrl, name) {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createDatabase(adminUrl, name) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl, name) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Signs access tokens exactly as the server does (HS256, `sub`, `role`, `sid`). */
export function mintToken(secret, userId, sessionId, role = 'user') {
  return jwt.sign({ sub: userId, role, sid: sessionId }, secret, { algorithm: 'HS256', expiresIn: '3h' });
}

export class Seeder {
  constructor(url, secret) {
    this.pool = new pg.Pool({ connectionString: url, max: 4 });
    this.secret = secret;
    this.passwordHash = null;
  }

  async close() {
    await this.pool.end();
  }

  query(sql, params) {
    return this.pool.query(sql, params);
  }

  /** `count` users named `<prefix>_<n>` with the bench password; answers [{ id, token }] in order. */
  async users(prefix, count) {
    this.passwordHash ??= await argon2.hash(BENCH_PASSWORD, ARGON2_OPTIONS);
    const { rows } = await this.query(
      `INSERT INTO users (email, username, display_name, password_hash)
       SELECT $1 || '_' || n || '@bench.example', $1 || '_' || n, 'Bench ' || $1 || ' ' || n, $3
         FROM generate_series(1, $2) AS n
       RETURNING id, username`,
      [prefix, count, this.passwordHash],
    );
    // The server accepts an access token only while its session (`sid`) is a live row of that user.
    const { rows: sessions } = await this.query(
      `INSERT INTO session (user_id, refresh_token_hash, last_used_at, expires_at)
       SELECT id, encode(sha256(gen_random_uuid()::text::bytea), 'hex'), now(), now() + interval '1 day'
         FROM unnest($1::uuid[]) AS id
       RETURNING id, user_id`,
      [rows.map((row) => row.id)],
    );
    const sessionOf = new Map(sessions.map((row) => [row.user_id, row.id]));
    const byName = new Map(rows.map((row) => [row.username, row.id]));
    return Array.from({ length: count }, (_, index) => {
      const id = byName.get(`${prefix}_${index + 1}`);
      return { id, email: `${prefix}_${index + 1}@bench.example`, token: mintToken(this.secret, id, sessionOf.get(id)) };
    });
  }

  /** A group conversation with these members (the first is the owner); answers its id. */
  async group(title, memberIds) {
    const { rows } = await this.query(`INSERT INTO conversation (type, title) VALUES ('group', $1) RETURNING id`, [title]);
    const id = rows[0].id;
    await this.query(
      `INSERT INTO conversation_member (conversation_id, user_id, role, joined_at)
       SELECT $1, m.user_id, CASE WHEN m.n = 1 THEN 'owner' ELSE 'member' END, now() + m.n * interval '1 microsecond'
         FROM unnest($2::uuid[]) WITH ORDINALITY AS m(user_id, n)`,
      [id, memberIds],
    );
    return id;
  }

  /**
   * `count` messages in a conversation, seq 1..count, senders taking turns among `senderIds`, one
   * second apart ending now; moves the conversation's `last_seq` and `last_message_at` along.
   */
  async messages(conversationId, senderIds, count) {
    await this.query(
      `INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id, created_at)
       SELECT $1, n, ($2::uuid[])[1 + (n % cardinality($2::uuid[]))],
              'Benchmark message number ' || n || ', long enough to look like a real chat line.',
              gen_random_uuid(), now() - ($3 - n) * interval '1 second'
         FROM generate_series(1, $3) AS n`,
      [conversationId, senderIds, count],
    );
    await this.query(`UPDATE conversation SET last_seq = $2, last_message_at = now() WHERE id = $1`, [conversationId, count]);
  }

  /**
   * `count` group conversations of `userId` with one other member each, `perConversation` messages from
   * that other member, read by `userId` up to `readUpTo`: each has unread messages, some mention the owner,
   * and some are muted, pinned or archived. For the list scenario.
   */
  async inbox(userId, otherIds, count, perConversation, readUpTo) {
    const { rows } = await this.query(
      `INSERT INTO conversation (type, title, created_at, last_seq, last_message_at)
       SELECT 'group', 'Inbox ' || n, now() - interval '1 day', $2, now() - (n * interval '1 minute')
         FROM generate_series(1, $1) AS n
       RETURNING id`,
      [count, perConversation],
    );
    const ids = rows.map((row) => row.id);
    const others = ids.map((_, index) => otherIds[index % otherIds.length]);
    await this.query(
      `INSERT INTO conversation_member (conversation_id, user_id, role, last_read_seq, last_delivered_seq)
       SELECT c.id, $2::uuid, 'owner', $4::bigint, $4::bigint FROM unnest($1::uuid[]) AS c(id)
       UNION ALL
       SELECT c.id, c.other, 'member', $5::bigint, $5::bigint FROM unnest($1::uuid[], $3::uuid[]) AS c(id, other)`,
      [ids, userId, others, readUpTo, perConversation],
    );
    await this.query(
      `INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id, created_at)
       SELECT c.id, s, c.other, 'Inbox message ' || s, gen_random_uuid(), c.at - (($4 - s) * interval '1 second')
         FROM (SELECT c.id, c.other, cv.last_message_at AS at
                 FROM unnest($1::uuid[], $2::uuid[]) AS c(id, other) JOIN conversation cv ON cv.id = c.id) c,
              generate_series(1, $3) AS s`,
      [ids, others, perConversation, perConversation],
    );
    // What a real inbox carries and the list must read: per-user state (every 10th muted, 5 pinned, 50
    // archived) and mentions of the owner in the unread messages of every 4th conversation.
    await this.query(
      `UPDATE conversation_member mb SET muted = (c.n % 10 = 0),
              pinned_at = CASE WHEN c.n <= 5 THEN now() - c.n * interval '1 second' END,
              archived = (c.n > $3 - 50)
         FROM unnest($1::uuid[]) WITH ORDINALITY AS c(id, n)
        WHERE mb.conversation_id = c.id AND mb.user_id = $2`,
      [ids, userId, ids.length],
    );
    await this.query(
      `INSERT INTO message_mention (message_id, user_id, conversation_id, seq, created_at)
       SELECT m.id, $2, m.conversation_id, m.seq, m.created_at
         FROM unnest($1::uuid[]) WITH ORDINALITY AS c(id, n) JOIN message m ON m.conversation_id = c.id
        WHERE c.n % 4 = 0 AND m.seq > $3`,
      [ids, userId, readUpTo],
    );
    return ids;
  }

  async analyze() {
    await this.query('ANALYZE');
  }
}
