import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { NewChatEvent } from '../events/chat-events.js';
import { EventLog } from '../events/event-log.service.js';
import { combine, select, type StatementPart } from '../database/sql.js';
import { bringBackPart, stampPostPart } from '../memberships/conversations.repository.js';
import { removeDraftPart } from '../memberships/drafts.repository.js';

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
  constructor(private readonly eventLog: EventLog) {}

  async write(manager: EntityManager, post: PostFollowUps): Promise<PostOutcome> {
    const parts: StatementPart[] = [
      stampPostPart(post.conversationId, post.senderId, post.exemptFromSlowMode),
      this.eventLog.appendPart(post.events),
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
}
