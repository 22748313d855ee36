import { Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { Forbidden, ServiceUnavailable } from '../common/errors/app.exception.js';
import { signatureHeader } from '../common/http/signature.js';

/** What the hook is shown about a send, before anything is committed. */
export interface PendingMessage {
  conversationId: string;
  senderId: string;
  clientMessageId: string;
  content: string | null;
  attachmentIds: string[];
  replyToId: string | null;
}

/**
 * The optional moderation seam (PRE_SEND_HOOK_URL): before a send commits, the hook is POSTed the
 * message (signed like webhooks when PRE_SEND_HOOK_SECRET is set) and answers
 * `{ "action": "approve" }`, `{ "action": "rewrite", "content": "…" }` or `{ "action": "reject", "reason"?: "…" }`.
 * No usable answer within PRE_SEND_HOOK_TIMEOUT_MS (a timeout, a non-2xx, an unreadable body): with
 * PRE_SEND_HOOK_FAIL=open (default) the message goes through unchanged, with `closed` the send is refused
 * with 503 — a deployment chooses between availability and never letting an unchecked message through.
 */
@Injectable()
export class PreSendHook {
  private readonly logger = new Logger(PreSendHook.name);

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  /** The content to send (maybe rewritten); throws 403 MESSAGE_REJECTED, or 503 when the hook fails closed. */
  async check(message: PendingMessage): Promise<string | null> {
    const { url, timeoutMs, failClosed, secret } = this.config.preSendHook;
    if (!url) return message.content;
    const body = JSON.stringify(message);
    let verdict: { action?: unknown; content?: unknown; reason?: unknown };
    try {
      const response = await fetch(url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: { 'content-type': 'application/json', ...(secret ? { 'x-chat-signature': signatureHeader(secret, body) } : {}) },
      });
      if (response.status < 200 || response.status >= 300) throw new Error(`HTTP ${response.status}`);
      verdict = (await response.json()) as typeof verdict;
    } catch (error) {
      return this.failed(message, (error as Error).message, failClosed);
    }
    switch (verdict?.action) {
      case 'approve':
        return message.content;
      case 'rewrite':
        if (typeof verdict.content === 'string' && verdict.content.length >= 1 && verdict.content.length <= 4000) return verdict.content;
        return this.failed(message, 'a rewrite without valid content', failClosed);
      case 'reject':
        throw new Forbidden(typeof verdict.reason === 'string' ? verdict.reason.slice(0, 200) : 'The message was rejected', 'MESSAGE_REJECTED');
      default:
        return this.failed(message, 'an unknown action', failClosed);
    }
  }

  private failed(message: PendingMessage, why: string, failClosed: boolean): string | null {
    this.logger.warn(`pre-send hook failed (${why}); ${failClosed ? 'refusing' : 'sending'} the message`);
    if (failClosed) throw new ServiceUnavailable('The message check is unavailable, try again shortly');
    return message.content;
  }
}
