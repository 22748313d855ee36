import { randomUUID } from 'node:crypto';
import { EventLog } from '../../src/events/event-log.service.js';
import type { GivenUser } from './given.js';
import type { TestApp } from './test-app.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** A message as the conversation-depth suites look at it. */
export interface DepthMessage {
  id: string;
  conversationId: string;
  seq: number;
  content: string | null;
  replyToId: string | null;
  threadRootId: string | null;
  alsoToConversation: boolean;
  replyCount: number;
  lastReplyAt: string | null;
  threadParticipantIds: string[];
  mentions: string[];
  pinnedAt: string | null;
  createdAt: string;
  deletedAt: string | null;
}

export interface SyncEvent {
  type: string;
  data: Record<string, unknown>;
  cursor: string;
}

/** HTTP helpers shared by the conversation-depth suites (threads, mentions, pins). */
export function depthClient(running: TestApp) {
  const inject = (method: Method, url: string, user: GivenUser | undefined, payload?: object) =>
    running.app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {}, payload });

  return {
    inject,

    /** Sends and answers the created message (201 expected). */
    async send(user: GivenUser, conversationId: string, payload: object): Promise<DepthMessage> {
      const response = await inject('POST', `/conversations/${conversationId}/messages`, user, { clientMessageId: randomUUID(), ...payload });
      if (response.statusCode !== 201) throw new Error(`send answered ${response.statusCode}: ${response.body}`);
      return response.json();
    },

    async get<T = unknown>(user: GivenUser, url: string): Promise<T> {
      const response = await inject('GET', url, user);
      if (response.statusCode !== 200) throw new Error(`GET ${url} answered ${response.statusCode}: ${response.body}`);
      return response.json() as T;
    },

    /** The current /sync cursor of the user (everything committed so far sequenced). */
    async cursor(user: GivenUser): Promise<string> {
      await running.app.get(EventLog).flush();
      const response = await inject('GET', '/sync', user);
      return (response.json() as { cursor: string }).cursor;
    },

    /** Every event since `since`. */
    async syncSince(user: GivenUser, since: string): Promise<SyncEvent[]> {
      await running.app.get(EventLog).flush();
      const response = await inject('GET', `/sync?since=${encodeURIComponent(since)}&limit=500`, user);
      if (response.statusCode !== 200) throw new Error(`sync answered ${response.statusCode}: ${response.body}`);
      return (response.json() as { events: SyncEvent[] }).events;
    },
  };
}

export type DepthClient = ReturnType<typeof depthClient>;
