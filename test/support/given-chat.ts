import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { GivenUser } from './given.js';
import type { TestApp } from './test-app.js';

export interface GivenConversation {
  id: string;
  type: 'direct' | 'group';
}

export interface GivenMessage {
  id: string;
  conversationId: string;
  seq: number;
  content: string | null;
  clientMessageId: string;
}

function expectStatus(response: { statusCode: number; body: string }, statuses: number[], what: string) {
  if (!statuses.includes(response.statusCode)) throw new Error(`${what} answered ${response.statusCode}: ${response.body}`);
}

/**
 * Builders for conversations and messages, through the API (and SQL where volume is the point):
 * `const chat = chatBuilders(running); const room = await chat.group(ada, [bob]);`.
 */
export function chatBuilders(running: TestApp) {
  const { app } = running;
  const database = () => app.get(DataSource);

  return {
    /** The direct conversation between two users, opened by the first. */
    async direct(a: GivenUser, b: GivenUser): Promise<GivenConversation> {
      const response = await app.inject({ method: 'POST', url: '/api/v1/conversations', headers: a.auth, payload: { type: 'direct', userId: b.id } });
      expectStatus(response, [200, 201], 'open direct conversation');
      return { id: response.json().id, type: 'direct' };
    },

    /** A group owned by `owner` with `members` as plain members. */
    async group(owner: GivenUser, members: GivenUser[] = [], title = 'A group'): Promise<GivenConversation> {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/conversations',
        headers: owner.auth,
        payload: { type: 'group', title, memberIds: members.map((member) => member.id) },
      });
      expectStatus(response, [201], 'create group');
      return { id: response.json().id, type: 'group' };
    },

    /** A message sent through the API. */
    async message(sender: GivenUser, conversation: { id: string }, content = `hello ${randomUUID().slice(0, 8)}`, extra: object = {}): Promise<GivenMessage> {
      const response = await app.inject({
        method: 'POST',
        url: `/api/v1/conversations/${conversation.id}/messages`,
        headers: sender.auth,
        payload: { clientMessageId: randomUUID(), content, ...extra },
      });
      expectStatus(response, [201], 'send message');
      return response.json();
    },

    /**
     * `count` messages from `sender` in one INSERT … SELECT, numbered after the conversation's newest,
     * as if sent one per millisecond ending now. For volume only: no events, no counters.
     */
    async bulkMessages(
      sender: { id: string },
      conversation: { id: string },
      count: number,
      content: (n: string) => string = (n) => `'bulk ' || ${n}`,
    ): Promise<void> {
      await database().transaction(async (manager) => {
        const [[{ base }]] = await manager.query(
          `UPDATE conversation SET last_seq = last_seq + $2, last_message_at = clock_timestamp() WHERE id = $1 RETURNING last_seq - $2 AS base`,
          [conversation.id, count],
        );
        await manager.query(
          `INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id, created_at)
           SELECT $1, $3::bigint + g, $2, ${content('g')}, gen_random_uuid(), clock_timestamp() - make_interval(secs => ($4 - g) / 1000.0)
             FROM generate_series(1, $4::int) AS g`,
          [conversation.id, sender.id, base, count],
        );
      });
    },
  };
}

export type ChatGiven = ReturnType<typeof chatBuilders>;
