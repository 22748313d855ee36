import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Jobs } from '../jobs/jobs.service.js';
import { MediaRepository } from '../media/media.repository.js';
import { UnreferencedMedia } from '../media/unreferenced-media.js';
import { EventLog } from '../events/event-log.service.js';
import { MediaDeletion } from '../messages/media-deletion.service.js';
import { MessagesRepository } from '../messages/messages.repository.js';
import { UsersRepository } from '../users/users.repository.js';

/** Uploads removed per transaction. */
const UPLOAD_BATCH = 100;

/**
 * The heavy part of an account deletion, as jobs: both idempotent, so a run that dies half-way is
 * retried and carries on from what is left. `users.delete` takes the user's uploads off the messages
 * that carry them and deletes them, batch by batch, files after each commit; `users.free-username`
 * renames the username once the hold is over.
 */
@Injectable()
export class AccountDeletionJobs implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: Jobs,
    private readonly media: MediaRepository,
    private readonly messages: MessagesRepository,
    private readonly mediaDeletion: MediaDeletion,
    private readonly eventLog: EventLog,
    private readonly unreferencedMedia: UnreferencedMedia,
    private readonly users: UsersRepository,
  ) {}

  async onModuleInit() {
    await this.jobs.registerHandler('users.delete', ({ userId }, { signal }) => this.removeUploads(userId, signal));
    await this.jobs.registerHandler('users.free-username', ({ userId }) => this.dataSource.transaction((manager) => this.users.freeUsername(manager, userId)));
  }

  async removeUploads(userId: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const removed = await this.dataSource.transaction(async (manager) => {
        const ids = await this.media.lockUploadsOf(manager, userId, UPLOAD_BATCH);
        if (!ids.length) return null;
        const carriers = await this.messages.detachMedia(manager, ids);
        // Like DELETE /media/:id: the events that embedded these uploads forget them, and the messages are announced.
        await this.mediaDeletion.announceDetached(manager, carriers);
        return this.unreferencedMedia.deleteWithin(manager, ids);
      });
      // Nothing left, or only uploads something still needs (none today: avatars are cleared first).
      if (!removed?.length) return;
      this.eventLog.kick();
      await this.unreferencedMedia.removeFiles(removed);
    }
  }
}
