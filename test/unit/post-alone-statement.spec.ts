import { buildPostAloneStatement, postAloneStatement, type LonePost } from '../../src/messages/post-writes.js';
import type { MessageData } from '../../src/messages/message.mapper.js';

/** Two sends that differ in every value a post carries: ids, text, slow-mode exemption, forwarded origin. */
const first: LonePost = {
  message: {
    conversationId: '00000000-0000-4000-8000-000000000001',
    senderId: '00000000-0000-4000-8000-000000000002',
    content: 'hello',
    replyToId: null,
    clientMessageId: 'client-1',
    threadRootId: null,
    alsoToConversation: false,
  },
  template: { content: 'hello', attachments: [] } as unknown as MessageData,
  exemptFromSlowMode: false,
};
const second: LonePost = {
  message: {
    conversationId: '00000000-0000-4000-8000-00000000000a',
    senderId: '00000000-0000-4000-8000-00000000000b',
    content: "it's $1 and $2 -- not SQL",
    replyToId: '00000000-0000-4000-8000-00000000000c',
    clientMessageId: 'client-2',
    threadRootId: null,
    alsoToConversation: true,
    forwardedFrom: {
      conversationId: '00000000-0000-4000-8000-00000000000d',
      messageId: '00000000-0000-4000-8000-00000000000e',
      senderId: '00000000-0000-4000-8000-00000000000f',
      createdAt: '2026-12-04T00:00:00.000Z',
    },
  },
  template: { content: "it's $1", attachments: [], metadata: { x: 1 } } as unknown as MessageData,
  exemptFromSlowMode: true,
};

describe('postAloneStatement: the text send’s one statement, its text built once', () => {
  it('builds the same text for any post, so one cached text is right for every send', () => {
    expect(buildPostAloneStatement(second).sql).toBe(buildPostAloneStatement(first).sql);
    expect(buildPostAloneStatement(first).parameters).not.toEqual(buildPostAloneStatement(second).parameters);
  });

  it('answers exactly what building it from scratch answers, text and parameters, call after call', () => {
    for (const post of [first, second, first]) {
      expect(postAloneStatement(post)).toEqual(buildPostAloneStatement(post));
    }
  });

  it('carries every value as a parameter, none in the text', () => {
    const { sql, parameters } = postAloneStatement(second);
    for (const value of [second.message.conversationId, second.message.senderId, 'client-2', "it's $1"]) {
      expect(sql).not.toContain(value);
    }
    expect(parameters).toContain(second.message.content);
    expect(parameters).toContain(true);
  });
});
