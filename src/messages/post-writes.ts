import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { NewChatEvent } from '../events/chat-events.js';
import { appendPart, appendSelectedPart } from '../events/event-log.repository.js';
import { combine, combinedParameters, type SqlQuery, select, selectPrepared, type StatementPart } from '../database/sql.js';
import { bringBackPart, stampPostedPart, stampPostPart, takeSeqUnlessSlowedPart } from '../memberships/conversations.repository.js';
import { draftUpdated } from '../memberships/draft.entity.js';
import { removeDraftPart } from '../memberships/drafts.repository.js';
import { plainMediaPath } from '../media/media-urls.js';
import type { MessageData, MessageRow } from './message.mapper.js';
import { insertMessagePart, type NewMessage } from './messages.repository.js';

export interface PostFollowUps {
  conversationId: string;
  senderId: string;
  /** Slow mode does not hold this sender back (owner, admin, bot). */
  exemptFromSlowMode: boolean;
  /** The message's event(s), written with the rest. */
  events: NewChatEvent[];
  /** Clear the sender's draft of this conversation (or of this thread) — a send does, a forward does not. */
  clearDraft?: { threadRootId: string | null };
}

/** A message whose send writes nothing but itself and the follow-ups every message has (see `postAlone`). */
export interface LonePost {
  message: NewMessage & { threadRootId: null };
  /** The message as `toMessageData` builds it before the row exists; the insert fills in id, seq, createdAt, sender. */
  template: MessageData;
  exemptFromSlowMode: boolean;
}

export interface LonePostOutcome {
  row: MessageRow;
  broughtBack: string[];
  draftRemoved: boolean;
}

export interface PostOutcome {
  /** Seconds until slow mode lets the sender post again; > 0 means refused, and the caller must roll back. */
  wait: number;
  /** Members who had archived or hidden the conversation and see it again. */
  broughtBack: string[];
  draftRemoved: boolean;
}

/**
 * What every new message writes after its insert, in the send's transaction: the slow-mode stamp on the
 * sender's membership, its event in the log, the archived members brought back, the sender's draft
 * cleared. One statement, one round trip — each table's SQL still comes from the repository that owns
 * it — where it was four, all while the conversation's row lock is held (which is what bounds one
 * conversation's send rate).
 */
@Injectable()
export class PostWrites {
  async write(manager: EntityManager, post: PostFollowUps): Promise<PostOutcome> {
    const parts: StatementPart[] = [
      stampPostPart(post.conversationId, post.senderId, post.exemptFromSlowMode),
      appendPart(post.events),
      bringBackPart(post.conversationId, post.senderId),
    ];
    if (post.clearDraft) parts.push(removeDraftPart(post.senderId, post.conversationId, post.clearDraft.threadRootId));
    const { sql, parameters } = combine(
      parts,
      `SELECT (SELECT wait FROM post_target) AS wait,
              ARRAY(SELECT user_id::text FROM brought_back) AS brought_back,
              ${post.clearDraft ? 'EXISTS (SELECT 1 FROM draft_removed)' : 'false'} AS draft_removed`,
    );
    const [row] = await select<{ wait: number | null; brought_back: string[]; draft_removed: boolean }>(manager, sql, parameters);
    return { wait: row.wait ?? 0, broughtBack: row.brought_back, draftRemoved: row.draft_removed };
  }

  /**
   * A message with nothing of its own beside its row (no attachments, mentions, thread or jobs) in ONE
   * autocommitted statement: its seq, the row, its `message.created` event, the slow-mode stamp, the
   * archived members brought back, the draft cleared and its `draft.updated` event. The conversation's
   * row lock — what bounds one conversation's send rate — is then held for no round trip at all, where a
   * transaction held it across three. Answers null, having written nothing, when slow mode applies to the
   * sender (the caller's transaction works out the wait); a `clientMessageId` already used fails with
   * 23505 on `message_client_id_uq`, also having written nothing.
   */
  async postAlone(manager: EntityManager, post: LonePost): Promise<LonePostOutcome | null> {
    const { sql, parameters } = postAloneStatement(post);
    const [row] = await selectPrepared<MessageRow & { brought_back: string[]; draft_removed: boolean }>(manager, 'post_alone', sql, parameters);
    if (!row) return null;
    const { brought_back: broughtBack, draft_removed: draftRemoved, ...message } = row;
    return { row: message, broughtBack, draftRemoved };
  }
}

/** The parts of `postAlone`'s statement, in order; every value in them is a parameter, none is in the text. */
function postAloneParts(post: LonePost): StatementPart[] {
  const { conversationId, senderId } = post.message;
  const posted = 'EXISTS (SELECT 1 FROM m)';
  const cleared = draftUpdated(senderId, conversationId, null, null);
  return [
    takeSeqUnlessSlowedPart(conversationId, post.exemptFromSlowMode),
    insertMessagePart(post.message, post.template, plainMediaPath('{id}', 'thumbnail')),
    stampPostedPart(conversationId, senderId, posted),
    bringBackPart(conversationId, senderId, posted),
    removeDraftPart(senderId, conversationId, null, posted),
    appendSelectedPart(
      `SELECT 1 AS ord, 'message.created' AS type, $1::uuid AS conversation_id, NULL::uuid AS user_id, d.id AS message_id, d.data FROM posted_data d
       UNION ALL
       SELECT 2, $2, NULL, $3::uuid, NULL, $4::jsonb WHERE EXISTS (SELECT 1 FROM draft_removed)`,
      [conversationId, cleared.type, senderId, JSON.stringify(cleared.data)],
    ),
  ];
}

const POST_ALONE_RESULT = `SELECT p.*, ARRAY(SELECT user_id::text FROM brought_back) AS brought_back, EXISTS (SELECT 1 FROM draft_removed) AS draft_removed
   FROM posted p`;

/** `postAlone`'s statement built from scratch, as `combine` builds any: what `postAloneStatement` must equal. */
export function buildPostAloneStatement(post: LonePost): SqlQuery {
  return combine(postAloneParts(post), POST_ALONE_RESULT);
}

let postAloneText: string | undefined;

/**
 * `postAlone`'s statement with its text built once: the text depends on no post (the unit test checks
 * that different posts build the same text), and rebuilding its ~6 KB on every send — renumbering each
 * part's `$n` with a regex, joining, then hashing the fresh string to find its prepared name — cost ~7 µs
 * a send (8.5 µs built against 1.3 µs cached, in a loop) and left the garbage of it.
 */
export function postAloneStatement(post: LonePost): SqlQuery {
  const parts = postAloneParts(post);
  postAloneText ??= combine(parts, POST_ALONE_RESULT).sql;
  return { sql: postAloneText, parameters: combinedParameters(parts) };
}
