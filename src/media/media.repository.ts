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
