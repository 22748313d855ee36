import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { change, select, type StatementPart } from '../database/sql.js';
import { NO_THREAD } from './draft.entity.js';

export interface DraftRow {
  conversation_id: string;
  thread_root_id: string | null;
  content: string;
  updated_at: Date;
  /** Exactly, for the cursor. */
  position_at: string;
}

const draftColumns = (alias = 'draft') =>
  `${alias}.conversation_id, ${alias}.thread_root_id, ${alias}.content, ${alias}.updated_at,
   to_char(${alias}.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_at`;

/**
 * The user's drafts, the most recently changed first: a range scan of `draft_user_updated_idx` from the
 * cursor, each checked against the user's current membership by its key. Exported for EXPLAIN.
 *
 * The membership check is a per-row probe (`OFFSET 0` keeps PostgreSQL from turning the EXISTS into a
 * semi-join): a join's row estimate swings with the table's statistics, and where it came out low the
 * planner read every draft of the user and sorted them instead of stopping after a page.
 */
export function draftListQuery(userId: string, before: { updatedAt: string; conversationId: string; threadKey: string } | undefined, limit: number) {
  const parameters: unknown[] = [userId];
  let cursor = '';
  if (before) {
    parameters.push(before.updatedAt, before.conversationId, before.threadKey);
    cursor = `AND (d.updated_at, d.conversation_id, d.thread_key) < ($2::timestamptz, $3::uuid, $4::uuid)`;
  }
  parameters.push(limit);
  return {
    sql: `SELECT d.thread_key, ${draftColumns('d')}
            FROM draft d
           WHERE d.user_id = $1 ${cursor}
             AND EXISTS (SELECT 1 FROM conversation_member mb WHERE mb.conversation_id = d.conversation_id AND mb.user_id = d.user_id OFFSET 0)
           ORDER BY d.user_id DESC, d.updated_at DESC, d.conversation_id DESC, d.thread_key DESC
           LIMIT $${parameters.length}`,
    parameters,
  };
}

/** The one repository of `draft`. */
@Injectable()
export class DraftsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** Saves the draft; answers it, or undefined when it already held exactly this content (nothing changed). */
  async save(
    manager: EntityManager,
    draft: { userId: string; conversationId: string; threadRootId: string | null; content: string },
  ): Promise<DraftRow | undefined> {
    const rows = await select<DraftRow>(
      manager,
      `INSERT INTO draft (user_id, conversation_id, thread_key, thread_root_id, content, updated_at)
       VALUES ($1, $2, coalesce($3::uuid, '${NO_THREAD}'::uuid), $3, $4, clock_timestamp())
       ON CONFLICT (user_id, conversation_id, thread_key) DO UPDATE SET content = EXCLUDED.content, updated_at = EXCLUDED.updated_at
        WHERE draft.content IS DISTINCT FROM EXCLUDED.content
       RETURNING ${draftColumns()}`,
      [draft.userId, draft.conversationId, draft.threadRootId, draft.content],
    );
    return rows[0];
  }

  /** True when there was such a draft. */
  async remove(manager: EntityManager, userId: string, conversationId: string, threadRootId: string | null): Promise<boolean> {
    const { ctes, parameters } = removeDraftPart(userId, conversationId, threadRootId);
    const { count } = await change(manager, ctes[0][1], parameters);
    return count > 0;
  }

  page(
    userId: string,
    before: { updatedAt: string; conversationId: string; threadKey: string } | undefined,
    limit: number,
  ): Promise<Array<DraftRow & { thread_key: string }>> {
    const { sql, parameters } = draftListQuery(userId, before, limit);
    return select(this.manager, sql, parameters);
  }

  /** Each (conversation, user) pair's draft outside threads, by `conversationId:userId`: primary-key probes. */
  async ofConversations(pairs: Array<{ conversationId: string; userId: string }>, manager: EntityManager = this.manager): Promise<Map<string, DraftRow>> {
    if (!pairs.length) return new Map();
    const rows = await select<DraftRow & { user_id: string }>(
      manager,
      `SELECT d.user_id, ${draftColumns('d')}
         FROM unnest($1::uuid[], $2::uuid[]) AS p(conversation_id, user_id)
         JOIN draft d ON d.user_id = p.user_id AND d.conversation_id = p.conversation_id AND d.thread_key = '${NO_THREAD}'::uuid`,
      [pairs.map((pair) => pair.conversationId), pairs.map((pair) => pair.userId)],
    );
    return new Map(rows.map((row) => [`${row.conversation_id}:${row.user_id}`, row]));
  }
}

/** A draft's removal as a part of a larger statement (a send clears it): `draft_removed` has a row when there was one. */
export function removeDraftPart(userId: string, conversationId: string, threadRootId: string | null, onlyIf = 'true'): StatementPart {
  return {
    ctes: [
      [
        'draft_removed',
        `DELETE FROM draft WHERE user_id = $1 AND conversation_id = $2 AND thread_key = coalesce($3::uuid, '${NO_THREAD}'::uuid) AND ${onlyIf} RETURNING 1`,
      ],
    ],
    parameters: [userId, conversationId, threadRootId],
  };
}
