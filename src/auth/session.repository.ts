import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { change, combine, selectPrepared, type StatementPart } from '../database/sql.js';
import type { RefreshableSession } from './refresh-tokens.js';
import type { RevocationReason } from './session-revoked.event.js';

/** Where a session was opened or last refreshed from. */
export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}

export interface LiveSession {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  userAgent: string | null;
  ip: string | null;
}

export interface SessionOwner extends RefreshableSession {
  userId: string;
}

/** The session a spent token belonged to, with what a retry of that token needs. */
export interface SpentTokenOwner extends SessionOwner {
  successorSealed: Buffer | null;
  replayableUntil: Date | null;
  /** Hash of the session's current refresh token. */
  currentTokenHash: string;
}

/** The new refresh token sealed for a retry of the one it replaces, and until when a retry is answered. */
export interface SealedSuccessor {
  sealed: Buffer;
  until: Date;
}

export interface RevokedSession {
  sessionId: string;
  userId: string;
}

interface SessionRow {
  id: string;
  user_id: string;
  revoked_at: Date | null;
  expires_at: Date;
  banned: boolean;
}

const toOwner = (row: SessionRow): SessionOwner => ({
  id: row.id,
  userId: row.user_id,
  revokedAt: row.revoked_at,
  expiresAt: row.expires_at,
  userBanned: row.banned,
});

/**
 * The session queries, in SQL because their locks matter: a session row is locked while its refresh
 * token rotates, and the user row is share-locked while a session is opened or rotated, so a ban
 * (which updates that row, then revokes every session) either sees the new session or prevents it.
 */
@Injectable()
export class SessionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Opens a session in one statement with `account` — a part whose CTE `account` is the user's row with
   * `banned`, share-locked (`lockBannedPart`) — only when the user exists and is not banned; with
   * `pruneBefore`, also deletes the user's sessions that expired before it. Null: no session (banned or gone).
   * One statement, so it needs no transaction of its own (a login runs it alone: one round trip, not three);
   * the share lock lasts until it commits, which is all a ban must wait for.
   */
  async openUnlessBanned(
    manager: EntityManager = this.dataSource.manager,
    account: StatementPart,
    session: { userId: string; refreshTokenHash: string; expiresAt: Date; client: ClientInfo },
    pruneBefore?: Date,
  ): Promise<string | null> {
    const { userId, refreshTokenHash, expiresAt, client } = session;
    const parts: StatementPart[] = [
      account,
      {
        ctes: [
          [
            'opened',
            `INSERT INTO session (user_id, refresh_token_hash, user_agent, ip, last_used_at, expires_at)
             SELECT $1, $2, $3, $4, now(), $5 FROM account WHERE NOT account.banned RETURNING id`,
          ],
        ],
        parameters: [userId, refreshTokenHash, client.userAgent, client.ip, expiresAt],
      },
    ];
    if (pruneBefore) parts.push({ ctes: [['pruned', 'DELETE FROM session WHERE user_id = $1 AND expires_at < $2']], parameters: [userId, pruneBefore] });
    const { sql, parameters } = combine(parts, 'SELECT (SELECT id FROM opened) AS id');
    const [row] = await selectPrepared<{ id: string | null }>(manager, 'open_session', sql, parameters);
    return row?.id ?? null;
  }

  /** Who a session that exists and is not revoked belongs to; null otherwise. */
  async ownerOfUnrevoked(sessionId: string): Promise<string | null> {
    const rows: Array<{ user_id: string }> = await this.dataSource.query('SELECT user_id FROM session WHERE id = $1 AND revoked_at IS NULL', [sessionId]);
    return rows[0]?.user_id ?? null;
  }

  /** The session whose current refresh token this is, locked for rotation. */
  async lockByCurrentToken(manager: EntityManager, tokenHash: string): Promise<SessionOwner | null> {
    const rows: SessionRow[] = await manager.query(
      `SELECT s.id, s.user_id, s.revoked_at, s.expires_at, u.banned
         FROM session s JOIN users u ON u.id = s.user_id
        WHERE s.refresh_token_hash = $1
          FOR UPDATE OF s FOR SHARE OF u`,
      [tokenHash],
    );
    return rows[0] ? toOwner(rows[0]) : null;
  }

  /** The session this refresh token was once the current token of. */
  async lockBySpentToken(manager: EntityManager, tokenHash: string): Promise<SpentTokenOwner | null> {
    const rows: Array<SessionRow & { successor_sealed: Buffer | null; replayable_until: Date | null; refresh_token_hash: string }> = await manager.query(
      `SELECT s.id, s.user_id, s.revoked_at, s.expires_at, u.banned, s.refresh_token_hash, t.successor_sealed, t.replayable_until
         FROM spent_refresh_token t
         JOIN session s ON s.id = t.session_id
         JOIN users u ON u.id = s.user_id
        WHERE t.token_hash = $1
          FOR UPDATE OF s, t`,
      [tokenHash],
    );
    const row = rows[0];
    if (!row) return null;
    return { ...toOwner(row), successorSealed: row.successor_sealed, replayableUntil: row.replayable_until, currentTokenHash: row.refresh_token_hash };
  }

  /** A retry of this spent token was answered: the next one is reuse. */
  async endRetryWindow(manager: EntityManager, tokenHash: string): Promise<void> {
    await manager.query('UPDATE spent_refresh_token SET successor_sealed = NULL, replayable_until = NULL WHERE token_hash = $1', [tokenHash]);
  }

  /** Spends the current refresh token and puts a new one in its place. */
  async rotate(
    manager: EntityManager,
    sessionId: string,
    spentHash: string,
    nextHash: string,
    expiresAt: Date,
    client: ClientInfo,
    successor: SealedSuccessor | null,
  ) {
    // A retry of an older token can never be answered once its successor is spent too: keep one sealed successor per session at most.
    await manager.query(
      'UPDATE spent_refresh_token SET successor_sealed = NULL, replayable_until = NULL WHERE session_id = $1 AND successor_sealed IS NOT NULL',
      [sessionId],
    );
    await manager.query('INSERT INTO spent_refresh_token (token_hash, session_id, successor_sealed, replayable_until) VALUES ($1, $2, $3, $4)', [
      spentHash,
      sessionId,
      successor?.sealed ?? null,
      successor?.until ?? null,
    ]);
    await manager.query(
      `UPDATE session
          SET refresh_token_hash = $2, rotation_count = rotation_count + 1, last_used_at = now(), expires_at = $3,
              user_agent = COALESCE($4, user_agent), ip = COALESCE($5, ip)
        WHERE id = $1`,
      [sessionId, nextHash, expiresAt, client.userAgent, client.ip],
    );
  }

  /** Revokes one of the user's live sessions; empty when it is not theirs or already revoked. */
  revokeOne(manager: EntityManager | undefined, userId: string, sessionId: string, reason: RevocationReason): Promise<RevokedSession[]> {
    return this.revokeWhere(manager, 'user_id = $1 AND id = $2', [userId, sessionId], reason);
  }

  /** Revokes every live session of the user, but the one named in `except`. */
  revokeAll(manager: EntityManager | undefined, userId: string, reason: RevocationReason, except?: string): Promise<RevokedSession[]> {
    return except
      ? this.revokeWhere(manager, 'user_id = $1 AND id <> $2', [userId, except], reason)
      : this.revokeWhere(manager, 'user_id = $1', [userId], reason);
  }

  listLive(userId: string, now: Date): Promise<LiveSession[]> {
    return this.dataSource.query(
      `SELECT id, created_at AS "createdAt", last_used_at AS "lastUsedAt", user_agent AS "userAgent", ip
         FROM session
        WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
        ORDER BY last_used_at DESC`,
      [userId, now],
    );
  }

  private async revokeWhere(manager: EntityManager | undefined, condition: string, parameters: unknown[], reason: RevocationReason): Promise<RevokedSession[]> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [rows]: [Array<{ id: string; user_id: string }>, number] = await (manager ?? this.dataSource.manager).query(
      `UPDATE session SET revoked_at = now(), revoked_reason = $${parameters.length + 1}
        WHERE ${condition} AND revoked_at IS NULL
        RETURNING id, user_id`,
      [...parameters, reason],
    );
    return rows.map((row) => ({ sessionId: row.id, userId: row.user_id }));
  }

  /**
   * Housekeeping: deletes up to `batch` sessions that ended (expired, or revoked) more than `graceSeconds`
   * ago — their spent refresh tokens go with them (`ON DELETE CASCADE`). Answers how many. Rows another
   * transaction holds (a refresh in flight) are skipped, for the next batch or run.
   */
  async purgeEnded(batch: number, graceSeconds: number): Promise<number> {
    const { count } = await change(
      this.dataSource.manager,
      `DELETE FROM session WHERE id IN (
         SELECT id FROM session
          WHERE expires_at < now() - $2 * interval '1 second' OR revoked_at < now() - $2 * interval '1 second'
          LIMIT $1 FOR UPDATE SKIP LOCKED)`,
      [batch, graceSeconds],
    );
    return count;
  }

  /**
   * Housekeeping: forgets up to `batch` sealed successors of spent refresh tokens whose retry window
   * closed (the token itself stays while its session lives: presenting it again is still reuse).
   */
  async forgetClosedRetryWindows(batch: number): Promise<number> {
    const { count } = await change(
      this.dataSource.manager,
      `UPDATE spent_refresh_token SET successor_sealed = NULL, replayable_until = NULL
        WHERE token_hash IN (
          SELECT token_hash FROM spent_refresh_token WHERE replayable_until < now() LIMIT $1 FOR UPDATE SKIP LOCKED)`,
      [batch],
    );
    return count;
  }
}
