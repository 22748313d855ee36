import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ConversationsModule } from '../conversations/conversations.module.js';
import { MembershipModule } from '../conversations/membership.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { SyncModule } from '../sync/sync.module.js';
import { UsersModule } from '../users/users.module.js';
import { ChatGateway } from './chat.gateway.js';
import { EventDelivery } from './event-delivery.service.js';
import { PresenceService } from './presence.service.js';
import { RealtimeServer } from './realtime-server.js';
import { realtimeMetrics } from './realtime.metrics.js';
import { RoomMemberships } from './room-memberships.js';
import { TypingService } from './typing.service.js';

/**
 * Realtime: the Socket.IO gateway and what it needs — delivery of the event log to rooms, presence,
 * typing. It uses messages, conversations and auth; none of them knows about it (they publish events).
 * The socket adapter (plain or Redis) is chosen in `app.factory.ts` (`createSocketAdapter`), and the
 * AsyncAPI document is served from there too (`serveAsyncApi`).
 */
@Module({
  imports: [AuthModule, UsersModule, MembershipModule, ConversationsModule, MessagesModule, SyncModule],
  providers: [ChatGateway, RealtimeServer, EventDelivery, PresenceService, TypingService, RoomMemberships, ...realtimeMetrics],
})
export class RealtimeModule {}
