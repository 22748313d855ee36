import { IntersectionType } from '@nestjs/swagger';
import { MarkReadDto } from '../../conversations/dto/members.dto.js';
import { SendMessageDto } from '../../messages/dto/send-message.dto.js';
import { StringField, UuidField } from '../../common/validation/field.decorators.js';

/*
 * Payloads of the client → server events, validated exactly like REST bodies (unknown fields refused).
 * Where a REST body exists, the socket payload is that body plus the `conversationId` the URL carries.
 */

export class ConversationRefPayload {
  @UuidField()
  conversationId: string;
}

export class SendMessagePayload extends IntersectionType(SendMessageDto, ConversationRefPayload) {}

export class MarkerPayload extends IntersectionType(MarkReadDto, ConversationRefPayload) {}

export class RenewTokenPayload {
  @StringField({ max: 4096, trim: false, description: 'A fresh access token of the same user' })
  token: string;
}
