import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { LinkPreview } from '../messages/link-preview.types.js';

/** One fetched URL: its preview, or null when it has none (refused, not HTML, no title), until `expiresAt`. */
@Entity('link_preview')
@Index('link_preview_expires_idx', ['expiresAt'])
export class LinkPreviewCache {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'link_preview_pk' })
  url: string;

  @Column({ type: 'jsonb', nullable: true })
  preview: LinkPreview | null;

  @Column({ type: 'timestamptz' })
  fetchedAt: Date;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;
}
