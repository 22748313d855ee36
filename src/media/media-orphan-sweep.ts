import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { MediaService } from './media.service.js';

const JOB = 'media-orphan-sweep';
const MINUTE_MS = 60_000;

/**
 * Runs `MediaService.sweepOrphans` on an interval: a tenth of `MEDIA_ORPHAN_TTL`, between one minute
 * and one hour, so an orphan outlives its TTL by at most that. Every instance may run it; the sweep
 * skips rows another one holds.
 */
@Injectable()
export class MediaOrphanSweep implements OnApplicationBootstrap {
  private readonly logger = new Logger(MediaOrphanSweep.name);
  private running = false;

  constructor(
    private readonly media: MediaService,
    private readonly scheduler: SchedulerRegistry,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    const everyMs = Math.min(60 * MINUTE_MS, Math.max(MINUTE_MS, (this.config.media.orphanTtlSeconds * 1000) / 10));
    this.scheduler.addInterval(JOB, setInterval(() => void this.run(), everyMs).unref());
  }

  private async run() {
    if (this.running) return;
    this.running = true;
    try {
      const swept = await this.media.sweepOrphans();
      if (swept) this.logger.log(`removed ${swept} unused upload(s) older than MEDIA_ORPHAN_TTL`);
    } catch (error) {
      this.logger.error({ err: error }, 'the orphan media sweep failed; it runs again at the next interval');
    } finally {
      this.running = false;
    }
  }
}
