// Scenario 9's hand-written baseline: the conversation list as one would design it by hand on raw pg —
// one row per (user, conversation) holding everything the list shows, its counters kept on write (here
// computed once after seeding, as a writer would have kept them), and an index in the list's order, so a
// page is one index range scan of 51 rows instead of a sort of all the user's memberships plus counts.
export const INBOX_TABLE = 'bench_raw_inbox';

/** Builds the table and its index from the seeded data, for `userId` (the scenario's one reader). */
export async function buildInbox(query, userId) {
  await query(`DROP TABLE IF EXISTS ${INBOX_TABLE}`);
  await query(
    `CREATE TABLE ${INBOX_TABLE} (
       user_id uuid NOT NULL, conversation_id uuid NOT NULL, role text NOT NULL, last_read_seq bigint NOT NULL,
       activity_at timestamptz NOT NULL, pinned_at timestamptz, muted boolean NOT NULL, archived boolean NOT NULL,
       hidden boolean NOT NULL, unread int NOT NULL, unread_mentions int NOT NULL, member_count int NOT NULL,
       PRIMARY KEY (user_id, conversation_id))`,
  );
  await query(
    `CREATE INDEX ${INBOX_TABLE}_page_idx ON ${INBOX_TABLE}
       (user_id, archived, (pinned_at IS NULL), pinned_at DESC, activity_at DESC, conversation_id DESC) WHERE NOT hidden`,
  );
  await query(
    `INSERT INTO ${INBOX_TABLE}
     SELECT mb.user_id, mb.conversation_id, mb.role, mb.last_read_seq, coalesce(c.last_message_at, c.created_at), mb.pinned_at,
            mb.muted, mb.archived, mb.hidden,
            (SELECT count(*) FROM message m WHERE m.conversation_id = mb.conversation_id AND m.seq > mb.last_read_seq
                AND m.sender_id <> mb.user_id AND m.deleted_at IS NULL),
            (SELECT count(*) FROM message_mention mm WHERE mm.user_id = mb.user_id AND mm.conversation_id = mb.conversation_id
                AND mm.seq > mb.last_read_seq),
            (SELECT count(*) FROM conversation_member o WHERE o.conversation_id = mb.conversation_id)
       FROM conversation_member mb JOIN conversation c ON c.id = mb.conversation_id
      WHERE mb.user_id = $1`,
    [userId],
  );
  await query(`ANALYZE ${INBOX_TABLE}`);
}

/** One page, newest activity first with pinned ones before: one range scan of the index, then the conversations by key. */
export const INBOX_PAGE = `SELECT i.*, c.type, c.title, c.created_at, c.last_seq
   FROM (SELECT * FROM ${INBOX_TABLE}
          WHERE user_id = $1 AND archived = false AND NOT hidden
          ORDER BY (pinned_at IS NULL), pinned_at DESC, activity_at DESC, conversation_id DESC
          LIMIT $2) i
   JOIN conversation c ON c.id = i.conversation_id
  ORDER BY (i.pinned_at IS NULL), i.pinned_at DESC, i.activity_at DESC, i.conversation_id DESC`;
