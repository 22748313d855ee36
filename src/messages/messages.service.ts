import { HttpStatus, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessService, slowMode } from '../access/access.service.js';
import type { ConversationGrant, MessageGrant } from '../access/access.types.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { AppException, Conflict, ValidationFailed } from '../common/errors/app.exception.js';
import { violatesUnique } from '../common/errors/unique-constraints.js';
import { mergeMetadata } from '../common/metadata/metadata.js';
import { RateLimit } from '../common/rate-limits/rate-limits.js';
import { RateLimits } from '../common/rate-limits/rate-limits.service.js';
import { decodeCursor, encodeCursor } from '../common/pagination/cursor.js';
import { DEFAULT_PAGE_SIZE, type Page } from '../common/pagination/page-query.dto.js';
import { EventLog } from '../events/event-log.service.js';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { draftUpdated } from '../memberships/draft.entity.js';
import { CONVERSATION_BROUGHT_BACK, type ConversationBroughtBack } from '../memberships/membership.events.js';
import type { EditMessageDto } from './dto/edit-message.dto.js';
import type { HistoryQuery } from './dto/history.query.js';
import type { SearchMessagesQuery } from './dto/search-messages.query.js';
import type { ForwardMessageDto, SendMessageDto } from './dto/send-message.dto.js';
import { isValidEmoji } from './emoji.js';
import { MessageAttachments } from './message-attachments.js';
import { MessageViews } from './message-views.js';
import { type LonePost, type LonePostOutcome, PostWrites } from './post-writes.js';
import { MessageMentions } from './mentions.js';
import { pinUpdated } from './pins.service.js';
import {
  type MessageData,
  type MessageRow,
  type MessageView,
  messageForViewer,
  type ReactionData,
  type ReactionView,
  reactionsForViewer,
  NEW_MESSAGE_EXTRAS,
  prospectiveRow,
  toMessageData,
} from './message.mapper.js';
import { MediaUrls } from '../media/media-urls.js';

/** What `PUT …/reactions/:emoji` answers: the message's reactions as the caller sees them. */
export interface ReactionSummary {
  conversationId: string;
  messageId: string;
  reactions: ReactionView[];
}
import { MESSAGES_SENT, type Transport, TRANSPORTS } from './messages.metrics.js';
import { MessagesRepository, type NewMessage } from './messages.repository.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { Jobs } from '../jobs/jobs.service.js';
import type { LinkPreview } from './link-preview.types.js';
import { firstUrl } from './message-links.js';
import { PreSendHook } from '../pre-send-hook/pre-send-hook.js';

export interface HistoryPage {
  items: MessageView[];
  hasMore: boolean;
  /** With `around` only. */
  hasMoreBefore?: boolean;
  hasMoreAfter?: boolean;
}

export interface SendResult {
  message: MessageView;
  /** false when this `clientMessageId` was already sent: `message` is the first one. */
  created: boolean;
}

/** A new emoji on a message that has as many distinct ones as it may. */
class ReactionLimit extends AppException {
  constructor(cap: number) {
    super(HttpStatus.CONFLICT, 'REACTION_LIMIT', `A message can carry at most ${cap} distinct emoji: react with one already there`);
  }
}

/** The moderation refusals of a send (see `conversation.post`): a retry of a send already accepted answers it instead. */
const POSTING_REFUSALS = new Set(['MUTED', 'READ_ONLY', 'SLOW_MODE']);
const isPostingRefusal = (error: unknown) => error instanceof AppException && POSTING_REFUSALS.has(error.code);
const exemptFromSlowMode = (grant: Pick<ConversationGrant, 'role'>) => grant.role === 'owner' || grant.role === 'admin';

/** Thrown inside a send transaction to roll it back when a concurrent copy of the same send won. */
class DuplicateSend extends Error {}

/**
 * Owns messages: sending (ordered, idempotent, rate-limited; a send also counts a thread reply, records
 * mentions, brings the conversation back for members who archived or hid it unless they muted it, and
 * clears the sender's draft there), history, edits, tombstones, reactions and search. Every method starts with its permission (src/access); REST and the socket gateway call the
 * same methods, and every change writes its durable event in its own transaction, then kicks the event
 * log. An edit or delete also rewrites every earlier event that embeds the message: the log forgets.
 */
@Injectable()
export class MessagesService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectMetric(MESSAGES_SENT) private readonly sent: Counter<string>,
    private readonly messages: MessagesRepository,
    private readonly views: MessageViews,
    private readonly attachments: MessageAttachments,
    private readonly mentions: MessageMentions,
    private readonly access: AccessService,
    private readonly rateLimits: RateLimits,
    private readonly eventLog: EventLog,
    private readonly urls: MediaUrls,
    private readonly emitter: EventEmitter2,
    private readonly jobs: Jobs,
    @InjectConfig() private readonly config: AppConfig,
    private readonly preSendHook: PreSendHook,
    private readonly postWrites: PostWrites,
  ) {}

  onModuleInit() {
    // Both series exist from the start, so a dashboard's rate() has a zero to start from.
    for (const transport of TRANSPORTS) this.sent.inc({ transport }, 0);
  }

  /**
   * Sends a message: one short row lock on the conversation numbers it, so seqs are gap-free in commit
   * order. A `clientMessageId` the sender already used here answers the first message (`created: false`),
   * also when both copies race: the loser's insert hits `message_client_id_uq`, its transaction (and the
   * seq it took) rolls back, and it answers the winner's message.
   */
  async send(user: AuthUser, conversationId: string, dto: SendMessageDto, transport: Transport): Promise<SendResult> {
    let grant: ConversationGrant;
    try {
      grant = await this.access.require(user, Permission.ConversationPost, { conversationId });
    } catch (error) {
      const earlier = isPostingRefusal(error) ? await this.messages.findByClientId(conversationId, user.id, dto.clientMessageId) : undefined;
      if (!earlier) throw error;
      return { message: messageForViewer(await this.views.one(earlier), user.id, this.urls), created: false };
    }
    await this.rateLimits.consume(RateLimit.Messages, user.id);
    const attachmentIds = dto.attachmentIds ?? [];
    if ((dto.content ?? null) === null && !attachmentIds.length) {
      throw new ValidationFailed([{ field: 'content', message: 'content or attachmentIds is required' }]);
    }
    // A retry answers the first message before anything is checked again: its uploads may be gone since,
    // and the pre-send hook must not be asked twice (it could refuse what it once let through). A text-only
    // retry with no hook needs no look-up first: its insert conflicts and answers the first message below,
    // so the common send saves a query.
    if (attachmentIds.length || dto.replyToId || this.config.preSendHook.url) {
      const earlier = await this.messages.findByClientId(conversationId, user.id, dto.clientMessageId);
      if (earlier) return { message: messageForViewer(await this.views.one(earlier), user.id, this.urls), created: false };
    }
    // Before anything is committed: the deployment's moderation hook, when there is one, may rewrite or reject.
    const content = !this.config.preSendHook.url
      ? (dto.content ?? null)
      : await this.preSendHook.check({
          conversationId,
          senderId: user.id,
          clientMessageId: dto.clientMessageId,
          content: dto.content ?? null,
          attachmentIds,
          replyToId: dto.replyToId ?? null,
        });
    if (dto.alsoToConversation !== undefined && !dto.replyToId) {
      throw new ValidationFailed([{ field: 'alsoToConversation', message: 'alsoToConversation applies to replies only (with replyToId)' }]);
    }
    const threadRootId = dto.replyToId ? await this.messages.threadRootOf(conversationId, dto.replyToId) : null;
    if (threadRootId === undefined) {
      throw new ValidationFailed([{ field: 'replyToId', message: 'replyToId must be a message of this conversation' }]);
    }
    const mentions = await this.mentions.resolve(user, grant, content);
    const newMessage: NewMessage = {
      conversationId,
      senderId: user.id,
      content,
      replyToId: dto.replyToId ?? null,
      clientMessageId: dto.clientMessageId,
      threadRootId,
      alsoToConversation: dto.alsoToConversation ?? true,
    };
    // The preview is fetched after the send, never during it: a job that exists exactly when the message does.
    const link = this.config.linkPreviews.enabled ? firstUrl(content) : null;
    if (!attachmentIds.length && newMessage.threadRootId === null && !mentions.length && !link && !this.config.push.relayUrl) {
      const alone = await this.sendAlone(user, grant, { ...newMessage, threadRootId: null }, transport);
      if (alone) return alone;
    }

    let broughtBack: string[] = [];
    const message = await this.dataSource
      .transaction(async (manager) => {
        const attachments = await this.attachments.verifyOwnUploads(manager, user, attachmentIds);
        const row = await this.messages.insertNext(manager, newMessage);
        if (!row) throw new DuplicateSend();
        // Built, not read back: a message this new has no reactions, and no other member's markers can
        // reach its seq yet (they never pass the newest message), so it is `sent`. Three fewer queries
        // while the conversation's row lock is held, which is what bounds one conversation's send rate.
        const created = toMessageData(row, { reactions: [], attachments, status: 'sent', mentions });
        const after = await this.postWrites.write(manager, {
          conversationId,
          senderId: user.id,
          exemptFromSlowMode: exemptFromSlowMode(grant),
          events: [{ type: 'message.created', conversationId, data: created, messageId: created.id }],
          clearDraft: { threadRootId },
        });
        if (after.wait > 0) throw slowMode(after.wait);
        broughtBack = after.broughtBack;
        await this.attachments.attach(manager, row.id, attachmentIds);
        await this.messages.addMentions(manager, { id: created.id, conversationId, seq: created.seq, createdAt: created.createdAt }, mentions);
        if (link) await this.jobs.enqueue('link-previews.fetch', { messageId: created.id, url: link }, { manager });
        if (this.config.push.relayUrl) await this.jobs.enqueue('push.message', { messageId: created.id }, { manager });
        if (threadRootId) await this.countReply(manager, threadRootId, created);
        await this.announceMentions(manager, conversationId, created.id, mentions);
        if (after.draftRemoved) await this.eventLog.append(manager, draftUpdated(user.id, conversationId, threadRootId, null));
        return created;
      })
      .catch((error: unknown) => {
        if (error instanceof DuplicateSend) return null;
        throw error;
      });
    if (!message) return this.firstSend(user, conversationId, dto.clientMessageId);
    this.afterPost(conversationId, broughtBack, transport);
    return { message: messageForViewer(message, user.id, this.urls), created: true };
  }

  /**
   * The common send — text alone, nothing of its own to write beside its row — in one statement
   * (`PostWrites.postAlone`). Null when slow mode applies to the sender: `send`'s transaction works out
   * the wait.
   */
  private async sendAlone(user: AuthUser, grant: ConversationGrant, message: LonePost['message'], transport: Transport): Promise<SendResult | null> {
    const template = toMessageData(prospectiveRow(message), NEW_MESSAGE_EXTRAS);
    let outcome: LonePostOutcome | null;
    try {
      outcome = await this.postWrites.postAlone(this.dataSource.manager, { message, template, exemptFromSlowMode: exemptFromSlowMode(grant) });
    } catch (error) {
      if (!violatesUnique(error, 'message_client_id_uq')) throw error;
      return this.firstSend(user, message.conversationId, message.clientMessageId);
    }
    if (!outcome) return null;
    this.afterPost(message.conversationId, outcome.broughtBack, transport);
    return { message: messageForViewer(toMessageData(outcome.row, NEW_MESSAGE_EXTRAS), user.id, this.urls), created: true };
  }

  /** A send whose `clientMessageId` was already used: the first message, `created: false`. */
  private async firstSend(user: AuthUser, conversationId: string, clientMessageId: string): Promise<SendResult> {
    const first = await this.messages.findByClientId(conversationId, user.id, clientMessageId);
    if (!first) throw new Error('a duplicate send found no first message');
    return { message: messageForViewer(await this.views.one(first), user.id, this.urls), created: false };
  }

  /** After a post commits: its events sequenced soon, the members it brought back told, the send counted. */
  private afterPost(conversationId: string, broughtBack: string[], transport: Transport): void {
    this.eventLog.kick();
    if (broughtBack.length) this.emitter.emit(CONVERSATION_BROUGHT_BACK, { conversationId, userIds: broughtBack } satisfies ConversationBroughtBack);
    this.sent.inc({ transport });
  }

  /**
   * Forwards a message into another conversation the caller may post in: a new message there (next seq,
   * same text, the same uploads attached — no bytes copied; whoever may read the copy may read them),
   * with `forwardedFrom` naming the original: the oldest origin the caller can see (a forward of a
   * forward from a conversation the caller is in names that one). Idempotent by `clientMessageId` in the
   * target, like a send, and counted by MESSAGE_RATE_LIMIT. A tombstone can't be forwarded (409).
   */
  async forward(user: AuthUser, conversationId: string, messageId: string, dto: ForwardMessageDto, transport: Transport): Promise<SendResult> {
    const toConversationId = dto.toConversationId;
    try {
      await this.access.require(user, Permission.MessageForward, { conversationId, messageId, toConversationId }, { manager: this.dataSource.manager });
    } catch (error) {
      const earlier = isPostingRefusal(error) ? await this.messages.findByClientId(toConversationId, user.id, dto.clientMessageId) : undefined;
      if (!earlier) throw error;
      return { message: messageForViewer(await this.views.one(earlier), user.id, this.urls), created: false };
    }
    await this.rateLimits.consume(RateLimit.Messages, user.id);
    const earlier = await this.messages.findByClientId(toConversationId, user.id, dto.clientMessageId);
    if (earlier) return { message: messageForViewer(await this.views.one(earlier), user.id, this.urls), created: false };

    let broughtBack: string[] = [];
    const message = await this.dataSource
      .transaction(async (manager) => {
        // The check locks the original: it can't become a tombstone (and lose its attachments) meanwhile.
        const { message: original, target } = await this.access.require(
          user,
          Permission.MessageForward,
          { conversationId, messageId, toConversationId },
          { manager },
        );
        if (original.deleted) throw new Conflict('The message was deleted');
        const [source] = await this.views.byIds([messageId], manager);
        const forwardedFrom =
          source.forwardedFrom &&
          (await this.access.check(user, Permission.ConversationRead, { conversationId: source.forwardedFrom.conversationId }, { manager }))
            ? source.forwardedFrom
            : { messageId: source.id, conversationId: source.conversationId, senderId: source.sender.id, createdAt: source.createdAt };
        const row = await this.messages.insertNext(manager, {
          conversationId: toConversationId,
          senderId: user.id,
          content: source.content,
          replyToId: null,
          clientMessageId: dto.clientMessageId,
          threadRootId: null,
          alsoToConversation: true,
          forwardedFrom,
        });
        if (!row) throw new DuplicateSend();
        const attachments = await this.attachments.stillUploaded(manager, source.attachments);
        const created = toMessageData(row, { reactions: [], attachments, status: 'sent', mentions: [] });
        const after = await this.postWrites.write(manager, {
          conversationId: toConversationId,
          senderId: user.id,
          exemptFromSlowMode: exemptFromSlowMode(target),
          events: [{ type: 'message.created', conversationId: toConversationId, data: created, messageId: created.id }],
        });
        if (after.wait > 0) throw slowMode(after.wait);
        broughtBack = after.broughtBack;
        await this.attachments.attach(
          manager,
          row.id,
          attachments.map((media) => media.id),
        );
        return created;
      })
      .catch((error: unknown) => {
        if (error instanceof DuplicateSend) return null;
        throw error;
      });
    if (!message) return this.firstSend(user, toConversationId, dto.clientMessageId);
    this.afterPost(toConversationId, broughtBack, transport);
    return { message: messageForViewer(message, user.id, this.urls), created: true };
  }

  async history(user: AuthUser, conversationId: string, query: HistoryQuery): Promise<HistoryPage> {
    await this.access.require(user, Permission.ConversationRead, { conversationId });
    if ([query.before, query.after, query.around].filter((cursor) => cursor !== undefined).length > 1) {
      throw new ValidationFailed([{ field: query.around === undefined ? 'before' : 'around', message: 'use one of before, after and around' }]);
    }
    if (query.around !== undefined) {
      const { rows, hasMoreBefore, hasMoreAfter } = await this.messages.pageAround(conversationId, query.around, query.limit ?? DEFAULT_PAGE_SIZE);
      return { items: await this.forViewer(rows, user.id), hasMore: hasMoreBefore || hasMoreAfter, hasMoreBefore, hasMoreAfter };
    }
    const { rows, hasMore } = await this.messages.pageBySeq({
      conversationId,
      before: query.before,
      after: query.after,
      pageSize: query.limit ?? DEFAULT_PAGE_SIZE,
    });
    return { items: await this.forViewer(rows, user.id), hasMore };
  }

  /** Sender only, not with a block in a direct conversation; a tombstone can't be edited (409). */
  async edit(user: AuthUser, conversationId: string, messageId: string, dto: EditMessageDto): Promise<MessageView> {
    const edited = await this.dataSource.transaction(async (manager) => {
      const grant = await this.access.require(user, Permission.MessageEdit, { conversationId, messageId }, { manager });
      if (grant.message.deleted) throw new Conflict('The message was deleted');
      await this.messages.updateContent(manager, messageId, dto.content);
      const [current] = await this.messages.byIds([messageId], manager);
      const mentioned = await this.mentions.resolve(user, grant, dto.content, manager);
      const newlyMentioned = await this.messages.setMentions(
        manager,
        { id: messageId, conversationId, seq: Number(current.seq), createdAt: current.created_at.toISOString() },
        mentioned,
      );
      const data = await this.views.one(current, manager);
      await this.forgetEarlier(manager, data);
      await this.eventLog.append(manager, { type: 'message.updated', conversationId, data, messageId });
      if (current.thread_root_id && newlyMentioned.length) {
        await this.messages.addThreadParticipants(manager, current.thread_root_id, newlyMentioned);
      }
      await this.announceMentions(manager, conversationId, messageId, newlyMentioned);
      return data;
    });
    this.eventLog.kick();
    return messageForViewer(edited, user.id, this.urls);
  }

  /**
   * The sender only, not with a block in a direct conversation, not a tombstone (409). Merges keys (null
   * deletes one); earlier events embedding the message show the new metadata; the room gets `metadata.updated`.
   */
  async updateMetadata(user: AuthUser, conversationId: string, messageId: string, patch: unknown): Promise<Record<string, unknown>> {
    let changed = false;
    const metadata = await this.dataSource.transaction(async (manager) => {
      const { message } = await this.access.require(user, Permission.MessageMetadata, { conversationId, messageId }, { manager });
      if (message.deleted) throw new Conflict('The message was deleted');
      const [row] = await this.messages.byIds([messageId], manager);
      const merged = mergeMetadata(row.metadata ?? {}, patch);
      if (JSON.stringify(merged) === JSON.stringify(row.metadata ?? {})) return merged;
      await this.messages.setMetadata(manager, messageId, merged);
      await this.eventLog.rewriteMessage(manager, messageId, {
        content: row.content,
        editedAt: row.edited_at?.toISOString() ?? null,
        deletedAt: null,
        metadata: merged,
      });
      await this.eventLog.append(manager, {
        type: 'metadata.updated',
        conversationId,
        data: { target: 'message', id: messageId, conversationId, metadata: merged },
      });
      changed = true;
      return merged;
    });
    if (changed) this.eventLog.kick();
    return metadata;
  }

  /** The sender, an owner or admin of the conversation, or a global admin who is a member; deleting twice is a no-op. */
  async remove(user: AuthUser, conversationId: string, messageId: string): Promise<void> {
    await this.tombstone((manager) => this.access.require(user, Permission.MessageDelete, { conversationId, messageId }, { manager }));
  }

  /**
   * Moderation: an admin's delete of any message, inside the caller's transaction (moderation audits it there):
   * answers the message and whether this call deleted it. The caller kicks the event log after commit.
   */
  async removeAnyWithin(manager: EntityManager, user: AuthUser, messageId: string): Promise<{ message: MessageGrant['message']; deleted: boolean }> {
    const { message } = await this.access.require(user, Permission.AdminMessages, { messageId }, { manager });
    return { message, deleted: await this.tombstoneWithin(manager, message) };
  }

  /**
   * One reaction per user per emoji: reacting again changes nothing and announces nothing. At most
   * `REACTIONS_PER_MESSAGE` distinct emoji per message (each `reaction.updated` carries the whole list): a
   * new one beyond is 409 `REACTION_LIMIT`, joining one already there always works. Answers the message's
   * reactions as the caller now sees them, for the UI to draw.
   */
  async react(user: AuthUser, conversationId: string, messageId: string, emoji: string): Promise<ReactionSummary> {
    const reactions = await this.changeReaction(user, conversationId, messageId, emoji, async (manager) => {
      const cap = this.rateLimits.budget(RateLimit.ReactionsPerMessage);
      const { distinct, present } = await this.messages.emojiCount(manager, messageId, emoji);
      if (!present && distinct >= cap) throw new ReactionLimit(cap);
      return this.messages.addReaction(manager, messageId, user.id, emoji);
    });
    return { conversationId, messageId, reactions: reactionsForViewer(reactions, user.id) };
  }

  async unreact(user: AuthUser, conversationId: string, messageId: string, emoji: string): Promise<void> {
    await this.changeReaction(user, conversationId, messageId, emoji, (manager) => this.messages.removeReaction(manager, messageId, user.id, emoji));
  }

  /** Newest first, only in the caller's conversations (or the one asked for, if the caller is in it). */
  async search(user: AuthUser, query: SearchMessagesQuery): Promise<Page<MessageView>> {
    const conversationIds = query.conversationId
      ? [(await this.access.require(user, Permission.ConversationRead, { conversationId: query.conversationId })).conversationId]
      : await this.access.conversationIdsOf(user);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = query.cursor ? decodeCursor(query.cursor, { createdAt: 'timestamp', id: 'uuid' }) : undefined;
    const rows = await this.messages.search({ conversationIds, named: query.conversationId !== undefined, q: query.q, before, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: await this.forViewer(page, user.id),
      nextCursor: rows.length > limit ? encodeCursor({ createdAt: last.position_at, id: last.id }) : null,
    };
  }

  private async forViewer(rows: MessageRow[], viewerId: string): Promise<MessageView[]> {
    return (await this.views.hydrate(rows)).map((message) => messageForViewer(message, viewerId, this.urls));
  }

  /**
   * Deletes inside one transaction that starts with the permission check (which locks the message): the
   * row stays as a tombstone, and every earlier event that carried its words or attachments forgets them.
   */
  private async tombstone(authorize: (manager: EntityManager) => Promise<Pick<MessageGrant, 'message'>>): Promise<void> {
    const deleted = await this.dataSource.transaction(async (manager) => this.tombstoneWithin(manager, (await authorize(manager)).message));
    if (deleted) this.eventLog.kick();
  }

  /** The delete itself, on a message the check locked; false when it already was a tombstone. */
  private async tombstoneWithin(manager: EntityManager, message: MessageGrant['message']): Promise<boolean> {
    if (message.deleted) return false;
    const [before] = await this.messages.byIds([message.id], manager);
    await this.messages.tombstone(manager, message.id);
    const [data] = await this.views.byIds([message.id], manager);
    await this.forgetEarlier(manager, data);
    await this.eventLog.append(manager, { type: 'message.deleted', conversationId: message.conversationId, data, messageId: message.id });
    // A deleted message is no longer pinned: the pin list's readers hear it go.
    if (before.pinned_at !== null) await this.eventLog.append(manager, pinUpdated(message.conversationId, message.id, null));
    return true;
  }

  /**
   * Attaches a link preview fetched after the send (src/link-previews): the room gets `message.updated`,
   * and earlier events embedding the message show it too. Nothing when the message was deleted or its
   * first link changed by an edit since; answers whether it attached.
   */
  async attachPreview(messageId: string, url: string, preview: LinkPreview): Promise<boolean> {
    const attached = await this.dataSource.transaction(async (manager) => {
      const [current] = await this.messages.byIds([messageId], manager);
      if (!current || current.deleted_at || firstUrl(current.content) !== url) return false;
      await this.messages.setPreview(manager, messageId, preview);
      const data = await this.views.one({ ...current, preview }, manager);
      await this.eventLog.rewriteMessage(manager, messageId, { content: data.content, editedAt: data.editedAt, deletedAt: data.deletedAt, preview });
      await this.eventLog.append(manager, { type: 'message.updated', conversationId: current.conversation_id, data, messageId });
      return true;
    });
    if (attached) this.eventLog.kick();
    return attached;
  }

  /** Every earlier event that embeds the message now shows it as it is (see `EventLogRepository.rewriteMessage`). */
  private forgetEarlier(manager: EntityManager, message: MessageData): Promise<void> {
    return this.eventLog.rewriteMessage(manager, message.id, {
      content: message.content,
      editedAt: message.editedAt,
      deletedAt: message.deletedAt,
      mentions: message.mentions,
      ...(message.deletedAt ? { attachments: [], reactions: [], pinnedAt: null, preview: null } : {}),
    });
  }

  /**
   * A reply counts on its thread's root: the root's figures move (`thread.updated` to the room), the
   * root's sender, the replier and those the reply mentions are in the thread from now on, and the
   * replier has read it up to its own reply.
   */
  private async countReply(manager: EntityManager, rootId: string, reply: MessageData): Promise<void> {
    const thread = await this.messages.addReply(manager, rootId, reply.sender.id, new Date(reply.createdAt));
    await this.messages.joinThread(manager, rootId, [thread.rootSenderId, reply.sender.id, ...reply.mentions], { userId: reply.sender.id, seq: reply.seq });
    await this.eventLog.append(manager, {
      type: 'thread.updated',
      conversationId: reply.conversationId,
      data: {
        conversationId: reply.conversationId,
        rootId,
        replyCount: thread.replyCount,
        lastReplyAt: thread.lastReplyAt.toISOString(),
        threadParticipantIds: thread.threadParticipantIds,
      },
    });
  }

  /** `mention` to each user a message now mentions, on the user's own room. */
  private async announceMentions(manager: EntityManager, conversationId: string, messageId: string, userIds: string[]): Promise<void> {
    await this.eventLog.append(manager, ...userIds.map((userId) => ({ type: 'mention' as const, userId, data: { conversationId, messageId } })));
  }

  private async changeReaction(
    user: AuthUser,
    conversationId: string,
    messageId: string,
    emoji: string,
    change: (manager: EntityManager) => Promise<boolean>,
  ): Promise<ReactionData[]> {
    if (!isValidEmoji(emoji)) throw new ValidationFailed([{ field: 'emoji', message: 'emoji must be an emoji or a :shortcode: of at most 32 characters' }]);
    const outcome = await this.dataSource.transaction(async (manager) => {
      // The check locks the message: concurrent reactions to it run in turn, so each event lists every earlier one.
      const { message } = await this.access.require(user, Permission.MessageReact, { conversationId, messageId }, { manager });
      if (message.deleted) throw new Conflict('The message was deleted');
      const changed = await change(manager);
      const reactions = (await this.messages.reactionsOf([messageId], manager)).get(messageId) ?? [];
      if (changed) await this.eventLog.append(manager, { type: 'reaction.updated', conversationId, data: { conversationId, messageId, reactions } });
      return { changed, reactions };
    });
    if (outcome.changed) this.eventLog.kick();
    return outcome.reactions;
  }
}
