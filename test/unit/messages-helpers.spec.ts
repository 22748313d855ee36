import { isValidEmoji } from '../../src/messages/emoji.js';
import { type MessageData, messageForViewer, statusOf } from '../../src/messages/message.mapper.js';
import { searchQuery } from '../../src/messages/messages.repository.js';
import { loadConfig } from '../../src/config/app-config.js';
import { MediaUrls } from '../../src/media/media-urls.js';

const urls = new MediaUrls(loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'a-test-secret-that-is-long-enough-0123456789' }));

describe('reaction emoji', () => {
  it.each(['👍', '❤️', '👍🏽', '🇯🇵', '1️⃣', '👨‍👩‍👧', ':thumbsup:', ':party_parrot:', ':+1:'])('accepts %s', (emoji) => {
    expect(isValidEmoji(emoji)).toBe(true);
  });

  it.each(['', 'a', 'ok', '1', '#', ':Thumbs:', ':no spaces:', '::', '👍 ', 'x\u0000👍', '👍'.repeat(17)])('refuses %j', (emoji) => {
    expect(isValidEmoji(emoji)).toBe(false);
  });
});

describe('messageForViewer', () => {
  const message: MessageData = {
    id: 'm',
    conversationId: 'c',
    seq: 3,
    sender: { id: 'ada', username: 'ada', displayName: 'Ada', avatarUrl: null, isBot: false },
    content: 'hi',
    attachments: [],
    replyToId: null,
    clientMessageId: 'x',
    reactions: [
      { emoji: '👍', count: 2, userIds: ['bob', 'cy'] },
      { emoji: '🎉', count: 1, userIds: ['ada'] },
    ],
    status: 'sent',
    createdAt: '2026-01-01T00:00:00.000Z',
    editedAt: null,
    deletedAt: null,
    threadRootId: null,
    alsoToConversation: true,
    replyCount: 0,
    lastReplyAt: null,
    threadParticipantIds: [],
    mentions: [],
    pinnedAt: null,
    forwardedFrom: null,
    metadata: {},
    preview: null,
  };

  it('tells each viewer which reactions are theirs and never shows who else reacted', () => {
    expect(messageForViewer(message, 'bob', urls).reactions).toEqual([
      { emoji: '👍', count: 2, me: true },
      { emoji: '🎉', count: 1, me: false },
    ]);
    expect(JSON.stringify(messageForViewer(message, 'ada', urls))).not.toContain('userIds');
    expect(messageForViewer(message, 'ada', urls)).toMatchObject({ id: 'm', seq: 3, content: 'hi', status: 'sent' });
  });
});

describe('statusOf', () => {
  it("is the sender's view of the other members' lowest markers", () => {
    expect(statusOf(5, undefined)).toBe('sent');
    expect(statusOf(5, { readSeq: 4, deliveredSeq: 4 })).toBe('sent');
    expect(statusOf(5, { readSeq: 4, deliveredSeq: 5 })).toBe('delivered');
    expect(statusOf(5, { readSeq: 7, deliveredSeq: 7 })).toBe('read');
  });
});

describe('searchQuery', () => {
  it('needs every term, at a word start for spaced scripts and anywhere for CJK, with wildcards escaped', () => {
    const { sql, parameters } = searchQuery({ conversationIds: ['c1', 'c2'], q: 'Deploy 100%_ 北京', limit: 11 });
    expect(parameters).toEqual([['c1', 'c2'], '%Deploy%', '(^|[^[:alnum:]_])Deploy', '%100\\%\\_%', '(^|[^[:alnum:]_])100%_', '%北京%', 11]);
    expect(sql).toContain('m.deleted_at IS NULL');
    expect(sql).toContain('m.conversation_id = ANY($1::uuid[])');
    expect(sql).toMatch(/ORDER BY m\.created_at DESC, m\.id DESC LIMIT \$7$/);
  });

  it('escapes regular-expression characters and continues after a cursor', () => {
    const { sql, parameters } = searchQuery({ conversationIds: ['c'], q: 'a.b(c)', before: { createdAt: '2026-01-01T00:00:00.000001Z', id: 'm' }, limit: 5 });
    expect(parameters.slice(0, 3)).toEqual(['c', '%a.b(c)%', '(^|[^[:alnum:]_])a\\.b\\(c\\)']);
    expect(sql).toContain('m.conversation_id = $1');
    expect(sql).toContain('(m.created_at, m.id) < ($4::timestamptz, $5::uuid)');
  });
});
