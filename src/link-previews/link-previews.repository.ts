import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { select } from '../database/sql.js';
import type { LinkPreview } from '../messages/link-preview.types.js';

/** The one repository of `link_preview`, the per-URL cache. */
@Injectable()
export class LinkPreviewsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The cached answer for the URL while fresh: `{ preview }` (maybe null: known to have none), or undefined. */
  async fresh(url: string): Promise<{ preview: LinkPreview | null } | undefined> {
    const [row] = await select<{ preview: LinkPreview | null }>(
      this.dataSource.manager,
      `SELECT preview FROM link_preview WHERE url = $1 AND expires_at > now()`,
      [url],
    );
    return row;
  }

  async store(url: string, preview: LinkPreview | null, ttlSeconds: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO link_preview (url, preview, fetched_at, expires_at) VALUES ($1, $2::jsonb, now(), now() + make_interval(secs => $3))
       ON CONFLICT (url) DO UPDATE SET preview = excluded.preview, fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`,
      [url, JSON.stringify(preview), ttlSeconds],
    );
  }
}
