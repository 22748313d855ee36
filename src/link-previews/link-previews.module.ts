import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module.js';
import { LinkPreviewJob } from './link-preview.job.js';
import { LinkPreviewsRepository } from './link-previews.repository.js';
import { PreviewFetcher } from './preview-fetcher.js';

/** Link previews: fetched after the send, SSRF-filtered, cached per URL (README "Link previews"). */
@Module({
  imports: [MessagesModule],
  providers: [LinkPreviewsRepository, PreviewFetcher, LinkPreviewJob],
})
export class LinkPreviewsModule {}
