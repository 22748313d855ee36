import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { Jobs } from '../jobs/jobs.service.js';
import { MessageViews } from '../messages/message-views.js';
import { MessagesRepository } from '../messages/messages.repository.js';
import { PresenceReader } from '../users/presence-reader.js';
import { signatureHeader } from '../common/http/signature.js';
import { DevicesRepository } from './devices.repository.js';

const BODY_MAX = 200;

/** What the relay may answer (2xx, JSON): tokens the push services called invalid; they are removed. */
interface RelayAnswer {
  invalidTokens?: unknown;
}

/**
 * Pushes a new message to the members who would not see it live: no socket on any instance (presence),
 * not muted, notification level `all` (or `mentions` and mentioned), with a registered device. One
 * signed POST per member to PUSH_RELAY_URL with every device of theirs, the unread badge, and
 * `collapseKey` = the conversation, so the relay shows one notification per conversation.
 */
@Injectable()
export class PushJob implements OnModuleInit {
  private readonly logger = new Logger(PushJob.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly jobs: Jobs,
    private readonly messages: MessagesRepository,
    private readonly views: MessageViews,
    private readonly devices: DevicesRepository,
    private readonly presence: PresenceReader,
  ) {}

  onModuleInit() {
    return this.jobs.registerHandler('push.message', ({ messageId }) => this.push(messageId));
  }

  private async push(messageId: string): Promise<void> {
    const relayUrl = this.config.push.relayUrl;
    const [row] = await this.messages.byIds([messageId]);
    if (!relayUrl || !row || row.deleted_at) return;
    const message = await this.views.one(row);
    const recipients = await this.devices.recipients(message.conversationId, message.sender.id, message.mentions);
    for (const recipient of recipients) {
      // A member with a live socket sees it there.
      if (await this.presence.isOnline(recipient.userId)) continue;
      const devices = await this.devices.listForUser(recipient.userId);
      if (!devices.length) continue;
      const body = JSON.stringify({
        userId: recipient.userId,
        devices: devices.map((device) => ({ id: device.id, platform: device.platform, token: device.token, appId: device.appId })),
        conversationId: message.conversationId,
        messageId: message.id,
        title: message.sender.displayName,
        body: message.content ? message.content.slice(0, BODY_MAX) : 'Sent an attachment',
        badge: recipient.badge,
        collapseKey: message.conversationId,
      });
      const response = await fetch(relayUrl, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
        headers: { 'content-type': 'application/json', 'x-chat-signature': signatureHeader(this.config.push.relaySecret, body) },
      });
      const text = await response.text();
      if (response.status < 200 || response.status >= 300) throw new Error(`push relay answered ${response.status}`);
      const invalid = invalidTokens(text);
      if (invalid.length) {
        const removed = await this.devices.removeTokens(recipient.userId, invalid);
        this.logger.log(`push relay reported ${invalid.length} invalid tokens; ${removed} devices removed`);
      }
    }
  }
}

function invalidTokens(text: string): string[] {
  try {
    const answer = JSON.parse(text) as RelayAnswer;
    return Array.isArray(answer.invalidTokens) ? answer.invalidTokens.filter((token): token is string => typeof token === 'string').slice(0, 1000) : [];
  } catch {
    return [];
  }
}
