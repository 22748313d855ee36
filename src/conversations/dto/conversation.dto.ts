import { ApiProperty } from '@nestjs/swagger';
import { MetadataProperty } from '../../common/metadata/metadata.js';
import type { Page } from '../../common/pagination/page-query.dto.js';
import { MessageDto } from '../../messages/dto/message.dto.js';
import { ProfileDto } from '../../users/dto/profile.dto.js';
import { CONVERSATION_MODES, type ConversationMode, type ConversationType, type MemberRole, SLOW_MODE_MAX_SECONDS } from '../../access/access.types.js';
import { NOTIFICATION_LEVELS, type NotificationLevel } from '../../memberships/conversation-member.entity.js';

export class ConversationDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ['direct', 'group'] })
  type: ConversationType;

  @ApiProperty({ type: String, nullable: true, description: 'Groups only' })
  title: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ description: 'The seq of the newest message; 0 before the first' })
  lastSeq: number;

  @ApiProperty({ type: MessageDto, nullable: true })
  lastMessage: MessageDto | null;

  @ApiProperty({ description: "Messages from others above the caller's read marker, deleted ones not counted" })
  unreadCount: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: "Messages that mention the caller above the caller's read marker (the badge)" })
  unreadMentions: number;

  @ApiProperty({ enum: ['owner', 'admin', 'member'] })
  myRole: MemberRole;

  @ApiProperty()
  memberCount: number;

  @ApiProperty({
    type: ProfileDto,
    nullable: true,
    description: 'Direct conversations: the other person (to show a name and avatar without another request); null for groups',
  })
  peer: ProfileDto | null;
  @ApiProperty({ description: 'The caller muted it (and the mute has not run out)' })
  muted: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the mute ends; null while not muted or muted until unmuted' })
  mutedUntil: string | null;

  @ApiProperty({ description: 'The caller archived it: listed with `?archived=true` only, until someone else writes (unless muted)' })
  archived: boolean;

  @ApiProperty({ description: 'The caller hid it: in no list until someone else writes (unless muted)' })
  hidden: boolean;

  @ApiProperty({ description: "The caller pinned it: pinned conversations come first in the caller's list, the most recently pinned first" })
  pinned: boolean;

  @ApiProperty({ enum: NOTIFICATION_LEVELS, description: 'What the caller wants to be notified of' })
  notificationLevel: NotificationLevel;

  @ApiProperty({ type: () => ConversationDraftDto, nullable: true, description: "The caller's unsent text in this conversation (outside threads)" })
  draft: ConversationDraftDto | null;

  @MetadataProperty('Custom fields set by owners and admins (`PATCH /conversations/:id/metadata`)')
  metadata: Record<string, unknown>;

  @ApiProperty({
    enum: CONVERSATION_MODES,
    description: '`announcements`: only the owner and admins post (others get 403 `READ_ONLY`); always `open` for direct conversations',
  })
  mode: ConversationMode;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: SLOW_MODE_MAX_SECONDS,
    description: 'Slow mode: a plain member posts at most once per this many seconds (owner and admins exempt; 429 `SLOW_MODE` otherwise); 0: off',
  })
  slowModeSeconds: number;
}

export class ConversationDraftDto {
  @ApiProperty()
  content: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class MemberDto {
  @ApiProperty({ type: ProfileDto })
  user: ProfileDto;

  @ApiProperty({ enum: ['owner', 'admin', 'member'] })
  role: MemberRole;

  @ApiProperty()
  lastReadSeq: number;

  @ApiProperty()
  lastDeliveredSeq: number;

  @ApiProperty({ format: 'date-time' })
  joinedAt: string;

  @ApiProperty({
    description:
      "Muted by the group's owner or an admin (and the mute has not run out): reads, cannot post (403 `MUTED`). Not the member's own notification mute",
  })
  moderationMuted: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When that mute ends; null while not muted or muted until unmuted' })
  moderationMutedUntil: string | null;

  @MetadataProperty('Custom fields on the membership (`PATCH /conversations/:id/members/:userId/metadata`)')
  metadata: Record<string, unknown>;
}

export class ConversationDetailDto extends ConversationDto {
  @ApiProperty({ type: [MemberDto], description: 'Oldest member first' })
  members: MemberDto[];
}

export class ConversationPageDto implements Page<ConversationDto> {
  @ApiProperty({ type: [ConversationDto] })
  items: ConversationDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor: string | null;
}
