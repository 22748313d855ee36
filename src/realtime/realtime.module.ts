import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ConversationsModule } from '../conversations/conversations.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { SyncModule } from '../sync/sync.module.js';
import { UsersModule } from '../users/users.module.js';
import { ChatGateway } from './chat.gateway.js';
import { EventDelivery } from './event-delivery.service.js';
import { PresenceService } from './presence.service.js';
import { RealtimeServer } from './realtime-server.js';
import { realtimeMetrics } from './realtime.metrics.js';
import { RoomSync } from './room-sync.service.js';
import { SocketSessions } from './socket-sessions.service.js';
import { TypingService } from './typing.service.js';

/**
 * Realtime: the Socket.IO gateway (thin), socket sessions, room sync with the per-instance membership
 * view delivery trusts, delivery of the event log, presence, typing. It uses messages, conversations
 * and auth; none of them knows about it (they publish events). The socket adapter (plain or Redis) is
 * chosen in `app.factory.ts` (`createSocketAdapter`), and the AsyncAPI document is served from there too.
 */
@Module({
  imports: [AuthModule, UsersModule, ConversationsModule, MessagesModule, SyncModule],
  providers: [ChatGateway, SocketSessions, RoomSync, RealtimeServer, EventDelivery, PresenceService, TypingService, ...realtimeMetrics],
})
export class RealtimeModule {}
