import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { Jobs } from '../jobs/jobs.service.js';
import { MessagesService } from '../messages/messages.service.js';
import { LinkPreviewsRepository } from './link-previews.repository.js';
import { PreviewFetcher } from './preview-fetcher.js';

/**
 * Fetches (or takes from the cache) the preview of a message's first link and attaches it. A refused or
 * failed fetch is cached as "no preview" for the TTL, so a link pasted a thousand times is fetched once;
 * the message simply keeps `preview: null`.
 */
@Injectable()
export class LinkPreviewJob implements OnModuleInit {
  private readonly logger = new Logger(LinkPreviewJob.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly jobs: Jobs,
    private readonly cache: LinkPreviewsRepository,
    private readonly fetcher: PreviewFetcher,
    private readonly messages: MessagesService,
  ) {}

  onModuleInit() {
    return this.jobs.registerHandler('link-previews.fetch', ({ messageId, url }) => this.run(messageId, url));
  }

  private async run(messageId: string, url: string): Promise<void> {
    let cached = await this.cache.fresh(url);
    if (!cached) {
      const preview = await this.fetcher.fetch(url).catch((error: unknown) => {
        this.logger.log(`no preview for ${new URL(url).host}: ${(error as Error).message}`);
        return null;
      });
      await this.cache.store(url, preview, this.config.linkPreviews.cacheTtlSeconds);
      cached = { preview };
    }
    if (cached.preview) await this.messages.attachPreview(messageId, url, cached.preview);
  }
}
