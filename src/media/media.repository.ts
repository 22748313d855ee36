import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, In, Repository } from 'typeorm';
import { Media } from './media.entity.js';

export interface SweptMedia {
  id: string;
  hasThumbnail: boolean;
}

/** The one repository of `media`: quota, lookups and the orphan sweep (who may read an upload is src/access). */
@Injectable()
export class MediaRepository {
  constructor(@InjectRepository(Media) private readonly media: Repository<Media>) {}

  /** Bytes of every upload of the user still kept. */
  async usedBytes(uploaderId: string, manager: EntityManager = this.media.manager): Promise<number> {
    const [row] = await manager.query<Array<{ used: string }>>(`SELECT coalesce(sum(size), 0) AS used FROM media WHERE uploader_id = $1`, [uploaderId]);
    return Number(row.used);
  }

  /** Serialises one user's concurrent uploads until the transaction ends, so they can't overrun the quota together. */
  async lockUploader(manager: EntityManager, uploaderId: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`media-quota:${uploaderId}`]);
  }

  findByIds(ids: string[], manager: EntityManager = this.media.manager): Promise<Media[]> {
    return ids.length ? manager.findBy(Media, { id: In(ids) }) : Promise.resolve([]);
  }

  /** Up to `limit` uploads of this user, locked for the transaction (account deletion removes them batch by batch). */
  async lockUploadsOf(manager: EntityManager, uploaderId: string, limit: number): Promise<string[]> {
    const rows = await manager.query<Array<{ id: string }>>(`SELECT id FROM media WHERE uploader_id = $1 ORDER BY id LIMIT $2 FOR UPDATE`, [uploaderId, limit]);
    return rows.map((row) => row.id);
  }

  /**
   * Deletes those of these uploads that no message carries any more and that are nobody's avatar, in
   * the caller's transaction, and returns them (their files are the caller's to remove after commit).
   */
  async deleteUnreferenced(manager: EntityManager, mediaIds: string[]): Promise<SweptMedia[]> {
    if (!mediaIds.length) return [];
    const [rows] = await manager.query<[Array<{ id: string; has_thumbnail: boolean }>, number]>(
      `DELETE FROM media candidate
        WHERE candidate.id = ANY($1::uuid[])
          AND NOT EXISTS (SELECT 1 FROM message_attachment attachment WHERE attachment.media_id = candidate.id)
          AND NOT EXISTS (SELECT 1 FROM users owner WHERE owner.avatar_media_id = candidate.id)
        RETURNING id, has_thumbnail`,
      [mediaIds],
    );
    return rows.map((row) => ({ id: row.id, hasThumbnail: row.has_thumbnail }));
  }

  /**
   * Those of `ids` that still exist, share-locked until the transaction ends: a deletion of one of them
   * (which locks the row for update) waits for it, or has already removed it and it is not answered.
   */
  async lockExisting(manager: EntityManager, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows: Array<{ id: string }> = await manager.query(`SELECT id FROM media WHERE id = ANY($1::uuid[]) FOR SHARE`, [ids]);
    return new Set(rows.map((row) => row.id));
  }

  /** Deletes the row of an upload nothing carries any more (the caller detached it); an avatar it was is cleared by the foreign key. */
  async deleteOne(manager: EntityManager, mediaId: string): Promise<void> {
    await manager.query(`DELETE FROM media WHERE id = $1`, [mediaId]);
  }

  /**
   * Deletes up to `limit` uploads made before `createdBefore` that no message carries and that are
   * nobody's avatar, oldest first, and returns them. Rows locked by an attachment or avatar change in
   * progress are skipped: the next sweep looks at them again.
   */
  async deleteOrphans(createdBefore: Date, limit: number): Promise<SweptMedia[]> {
    // TypeORM answers a DELETE with [rows, affected row count].
    const [rows] = await this.media.query<[Array<{ id: string; has_thumbnail: boolean }>, number]>(
      `DELETE FROM media WHERE id IN (
         SELECT candidate.id FROM media candidate
         WHERE candidate.created_at < $1
           AND NOT EXISTS (SELECT 1 FROM message_attachment attachment WHERE attachment.media_id = candidate.id)
           AND NOT EXISTS (SELECT 1 FROM users owner WHERE owner.avatar_media_id = candidate.id)
         ORDER BY candidate.created_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
       RETURNING id, has_thumbnail`,
      [createdBefore, limit],
    );
    return rows.map((row) => ({ id: row.id, hasThumbnail: row.has_thumbnail }));
  }
}
