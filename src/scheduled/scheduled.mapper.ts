import type { ScheduledMessageDto } from './dto/scheduled-message.dto.js';
import type { ScheduledMessage } from './scheduled-message.entity.js';

export function toScheduledDto(row: ScheduledMessage): ScheduledMessageDto {
  return {
    id: row.id,
    conversationId: row.conversationId,
    clientMessageId: row.clientMessageId,
    content: row.content,
    sendAt: row.sendAt.toISOString(),
    status: row.status,
    messageId: row.messageId,
    failureReason: row.failureReason,
    createdAt: row.createdAt.toISOString(),
  };
}
