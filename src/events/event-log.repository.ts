import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ClientBase, QueryResult } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { SEQUENCER_DATA_SOURCE } from '../database/database.module.js';
import { change, select, selectOne, selectPrepared, type StatementPart } from '../database/sql.js';
import type { MessageRewrite, NewChatEvent, SequencedEvent } from './chat-events.js';

/** Any number that is the same on every instance: the advisory lock that makes one sequencer run at a time. */
const SEQUENCER_LOCK = 0x63686174; // "chat"
/** The same for the pruner. */
const PRUNE_LOCK = 0x73796e63; // "sync"

interface EventRow {
  position: string;
  type: SequencedEvent['type'];
  conversation_id: string | null;
  user_id: string | null;
  data: unknown;
  created_at: Date;
}

const toSequenced = (row: EventRow): SequencedEvent => ({
  position: String(row.position),
  type: row.type,
  conversationId: row.conversation_id,
  userId: row.user_id,
  data: row.data,
  createdAt: new Date(row.created_at),
});

/** One row: the log's head and the bound below which retention has pruned. */
const BOUNDS_SQL = `SELECT greatest((SELECT max(position) FROM chat_event), s.pruned_through) AS head, s.pruned_through
  FROM event_log_state s WHERE s.id = 1`;

/** The one repository of `chat_event` and `event_log_state`. */
@Injectable()
export class EventLogRepository {
  private sequencerReady: Promise<DataSource> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SEQUENCER_DATA_SOURCE) private readonly sequencerSource: DataSource,
  ) {}

  private get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** Inserts the events in the caller's transaction and answers their ids, in order. */
  async append(manager: EntityManager, events: NewChatEvent[]): Promise<string[]> {
    const { ctes, parameters } = appendPart(events);
    const rows = await select<{ id: string }>(manager, ctes[0][1], parameters);
    return rows.map((row) => String(row.id));
  }

  /**
   * Applies an edit or delete to every event that embeds the message, sequenced or not, in the change's
   * transaction: found through `chat_event_message_idx`, so it costs the message's events only.
   */
  async rewriteMessage(manager: EntityManager, messageId: string, rewrite: MessageRewrite): Promise<void> {
    await change(
      manager,
      `UPDATE chat_event SET data = CASE
              WHEN type = 'conversation.updated' THEN jsonb_set(data, '{lastMessage}', (data->'lastMessage') || $2::jsonb)
              ELSE data || $2::jsonb END
        WHERE message_id = $1`,
      [messageId, JSON.stringify(rewrite)],
    );
  }

  /**
   * One batch in ONE round trip, on the sequencer's own connection: BEGIN; wait for the cluster-wide lock;
   * number the oldest unsequenced events; COMMIT — sent together (the simple protocol runs them in order)
   * yet each its own statement, so the UPDATE's snapshot is taken once the lock is granted and sees every
   * batch committed before. (In one statement with the lock it could not: its snapshot would predate the
   * lock and renumber a batch another instance had just committed.) Waiting for the lock rather than
   * trying it costs an instance whose events another is sequencing that one batch, and needs no retry.
   */
  async sequenceBatch(limit: number): Promise<SequencedEvent[]> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`a batch limit must be a positive integer, got ${limit}`);
    const runner = (await this.sequencer()).createQueryRunner();
    const client = (await runner.connect()) as ClientBase;
    try {
      const results = (await client.query(
        `BEGIN;
         SELECT pg_advisory_xact_lock(${SEQUENCER_LOCK});
         UPDATE chat_event e SET position = s.position
           FROM (SELECT id, nextval('chat_event_position_seq') AS position
                   FROM (SELECT id FROM chat_event WHERE position IS NULL ORDER BY id LIMIT ${limit}) pending) s
          WHERE e.id = s.id
      RETURNING e.position, e.type, e.conversation_id, e.user_id, e.data, e.created_at;
         COMMIT`,
      )) as unknown as Array<QueryResult<EventRow>>;
      return results[2].rows.map(toSequenced).sort((a, b) => Number(BigInt(a.position) - BigInt(b.position)));
    } catch (error) {
      // A failed statement leaves the transaction open and aborted (the rest of the batch was skipped).
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** Lets go of the sequencer's connection (after the last batch). */
  async closeSequencer(): Promise<void> {
    const ready = this.sequencerReady;
    this.sequencerReady = null;
    const source = await ready?.catch(() => null);
    if (source?.isInitialized) await source.destroy();
  }

  /** Opened on first use; a failed open is tried again by the next batch (the database may be away). */
  private sequencer(): Promise<DataSource> {
    if (this.sequencerSource.isInitialized) return Promise.resolve(this.sequencerSource);
    this.sequencerReady ??= this.sequencerSource.initialize().catch((error: unknown) => {
      this.sequencerReady = null;
      throw error;
    });
    return this.sequencerReady;
  }

  /** Removes every event that embeds one of these messages (see `ChatEvent.messageId`): retention deletes them with the messages. */
  async deleteForMessages(manager: EntityManager, messageIds: string[]): Promise<number> {
    const { count } = await change(manager, `DELETE FROM chat_event WHERE message_id = ANY($1::uuid[])`, [messageIds]);
    return count;
  }

  async hasUnsequenced(): Promise<boolean> {
    return (await select(this.manager, `SELECT 1 FROM chat_event WHERE position IS NULL LIMIT 1`)).length > 0;
  }

  /** The highest position given so far (0 for an empty log). */
  async head(): Promise<bigint> {
    const row = await selectOne<{ head: string | null }>(this.manager, `SELECT max(position) AS head FROM chat_event`);
    return BigInt(row?.head ?? 0);
  }

  /** Sequenced events with `after < position <= through`, in position order, at most `limit`. */
  async between(after: bigint, through: bigint, limit: number): Promise<SequencedEvent[]> {
    const rows = await select<EventRow>(
      this.manager,
      `SELECT position, type, conversation_id, user_id, data, created_at FROM chat_event
        WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3`,
      [after.toString(), through.toString(), limit],
    );
    return rows.map(toSequenced);
  }

  /** The newest position (never below what retention deleted, even once the log is empty) and the pruned bound. */
  async bounds(manager: EntityManager): Promise<{ head: bigint; prunedThrough: bigint }> {
    const row = (await selectPrepared<{ head: string; pruned_through: string }>(manager, 'event_log_bounds', BOUNDS_SQL, []))[0];
    return { head: BigInt(row.head), prunedThrough: BigInt(row.pruned_through) };
  }

  /** `bounds` as a part of a larger statement, read in its snapshot (see `boundsPart`). */
  boundsPart(): StatementPart {
    return boundsPart();
  }

  async epoch(): Promise<string> {
    const row = await selectOne<{ epoch: string }>(this.manager, `SELECT epoch FROM event_log_state WHERE id = 1`);
    return row!.epoch;
  }

  /**
   * Deletes a prefix of positions older than `cutoff` (at most `limit`), raising `pruned_through` first;
   * null when nothing is old enough or another instance is pruning.
   */
  pruneBatch(cutoff: Date, limit: number): Promise<{ count: number; more: boolean } | null> {
    return this.dataSource.transaction(async (manager) => {
      const lock = await selectOne<{ locked: boolean }>(manager, `SELECT pg_try_advisory_xact_lock($1) AS locked`, [PRUNE_LOCK]);
      if (!lock?.locked) return null;
      const state = await selectOne<{ pruned_through: string }>(manager, `SELECT pruned_through FROM event_log_state WHERE id = 1`);
      const from = state!.pruned_through;
      const oldest = await select<{ position: string; old: boolean }>(
        manager,
        `SELECT position, created_at < $3 AS old FROM chat_event WHERE position > $1 ORDER BY position LIMIT $2`,
        [from, limit, cutoff],
      );
      const firstYoung = oldest.findIndex((row) => !row.old);
      const prefix = firstYoung === -1 ? oldest : oldest.slice(0, firstYoung);
      if (!prefix.length) return null;
      const through = prefix[prefix.length - 1].position;
      await change(manager, `UPDATE event_log_state SET pruned_through = greatest(pruned_through, $1) WHERE id = 1`, [through]);
      const { count } = await change(manager, `DELETE FROM chat_event WHERE position > $1 AND position <= $2`, [from, through]);
      return { count, more: firstYoung === -1 && oldest.length === limit };
    });
  }
}

/**
 * Events whose rows the statement computes, as the CTE `appended`: `rows` is a SELECT of `ord, type,
 * conversation_id, user_id, message_id, data` over the statement's other CTEs, inserted in `ord` order
 * (the order the sequencer keeps).
 */
export function appendSelectedPart(rows: string, parameters: unknown[]): StatementPart {
  return {
    ctes: [
      [
        'appended',
        `INSERT INTO chat_event (type, conversation_id, user_id, message_id, data)
         SELECT e.type, e.conversation_id, e.user_id, e.message_id, e.data FROM (${rows}) e ORDER BY e.ord RETURNING id`,
      ],
    ],
    parameters,
  };
}

/**
 * Events' insert as a part of a larger statement (a send writes its event with its other follow-ups in
 * one round trip): `appended` answers their ids. Plain SQL rather than TypeORM's insert builder: every
 * change in the app writes here, inside its transaction.
 */
export function appendPart(events: NewChatEvent[]): StatementPart {
  const parameters: unknown[] = [];
  const rows = events.map((event) => {
    parameters.push(event.type, event.conversationId ?? null, event.userId ?? null, event.messageId ?? null, JSON.stringify(event.data));
    const at = parameters.length - 5;
    return `($${at + 1}, $${at + 2}::uuid, $${at + 3}::uuid, $${at + 4}::uuid, $${at + 5}::jsonb)`;
  });
  return {
    ctes: [['appended', `INSERT INTO chat_event (type, conversation_id, user_id, message_id, data) VALUES ${rows.join(', ')} RETURNING id`]],
    parameters,
  };
}

/** The log's bounds as the CTE `bounds` of a larger statement: one row of `head` and `pruned_through`. */
export function boundsPart(): StatementPart {
  return { ctes: [['bounds', BOUNDS_SQL]], parameters: [] };
}
