import { randomUUID } from 'node:crypto';
import { SHORT_SEARCH_MESSAGES } from '../../src/messages/messages.repository.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { useTestApp } from '../support/use-test-app.js';

describe('message search', () => {
  const app = useTestApp();
  let given: Given;
  let chat: ChatGiven;

  beforeAll(async () => {
    given = builders(app.running);
    chat = chatBuilders(app.running);
  });

  const search = (user: GivenUser, query: Record<string, string>) =>
    app.running.app.inject({ method: 'GET', url: `/api/v1/messages/search?${new URLSearchParams(query)}`, headers: user.auth });

  const found = async (user: GivenUser, q: string, extra: Record<string, string> = {}) => {
    const response = await search(user, { q, ...extra });
    expect(response.statusCode).toBe(200);
    return (response.json().items as Array<{ content: string }>).map((message) => message.content);
  };

  /** A tag no other suite's messages contain, so results are exactly this test's. */
  const tag = () => `z${randomUUID().replace(/-/g, '').slice(0, 10)}`;

  it("finds messages only in the caller's conversations, newest first", async () => {
    const [ada, bob, eve] = [await given.user(), await given.user(), await given.user()];
    const word = tag();
    const ours = await chat.direct(ada, bob);
    const theirs = await chat.direct(bob, eve);
    await chat.message(ada, ours, `${word} first`);
    await chat.message(bob, ours, `second ${word}`);
    await chat.message(eve, theirs, `${word} secret of another conversation`);
    expect(await found(ada, word)).toEqual([`second ${word}`, `${word} first`]);
    expect(await found(eve, word)).toEqual([`${word} secret of another conversation`]);
    expect((await found(bob, word)).length).toBe(3);
    expect(await found(bob, word, { conversationId: theirs.id })).toEqual([`${word} secret of another conversation`]);
    const notMine = await search(ada, { q: word, conversationId: theirs.id });
    expect(notMine.statusCode).toBe(404);
  });

  it('matches whole words and word prefixes in any case, not the middle of a word, and every term', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.direct(ada, bob);
    const word = tag();
    await chat.message(ada, room, `${word} Internationalization is HARD`);
    await chat.message(ada, room, `${word} Привет, мир`);
    await chat.message(ada, room, `${word} naïve café-au-lait`);
    expect(await found(bob, `${word} internation`)).toEqual([`${word} Internationalization is HARD`]);
    expect(await found(bob, `${word} INTERNATIONALIZATION`)).toEqual([`${word} Internationalization is HARD`]);
    expect(await found(bob, `${word} hard`)).toEqual([`${word} Internationalization is HARD`]);
    expect(await found(bob, `${word} nation`)).toEqual([]);
    expect(await found(bob, `${word} hard missing`)).toEqual([]);
    expect(await found(bob, `${word} прив`)).toEqual([`${word} Привет, мир`]);
    expect(await found(bob, `${word} МИР`)).toEqual([`${word} Привет, мир`]);
    expect(await found(bob, `${word} café`)).toEqual([`${word} naïve café-au-lait`]);
    expect(await found(bob, `${word} lait`)).toEqual([`${word} naïve café-au-lait`]);
  });

  it('finds Chinese, Japanese and Korean text written without spaces, from two characters up', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.direct(ada, bob);
    const word = tag();
    await chat.message(ada, room, `${word} 我们明天去北京吃烤鸭`);
    await chat.message(ada, room, `${word} 東京タワーに行きました`);
    await chat.message(ada, room, `${word} 오늘은날씨가좋네요`);
    expect(await found(bob, `${word} 北京`)).toEqual([`${word} 我们明天去北京吃烤鸭`]);
    expect(await found(bob, `${word} 去北京吃`)).toEqual([`${word} 我们明天去北京吃烤鸭`]);
    expect(await found(bob, `${word} タワー`)).toEqual([`${word} 東京タワーに行きました`]);
    expect(await found(bob, `${word} 行きました`)).toEqual([`${word} 東京タワーに行きました`]);
    expect(await found(bob, `${word} 날씨가`)).toEqual([`${word} 오늘은날씨가좋네요`]);
    expect(await found(bob, `${word} 上海`)).toEqual([]);
    // Without the tag: the CJK phrase alone, served through the trigram index.
    const phrase = `${randomUUID().slice(0, 4)}新宿駅で待ち合わせ`;
    await chat.message(bob, room, phrase);
    expect(await found(ada, '新宿駅で待ち')).toEqual([phrase]);
  });

  it('never finds deleted messages', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.direct(ada, bob);
    const word = tag();
    const gone = await chat.message(ada, room, `${word} delete me`);
    await chat.message(ada, room, `${word} keep me`);
    await app.running.app.inject({ method: 'DELETE', url: `/api/v1/conversations/${room.id}/messages/${gone.id}`, headers: ada.auth });
    expect(await found(bob, word)).toEqual([`${word} keep me`]);
  });

  it('pages through results newest first with a cursor, nothing skipped or repeated', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.direct(ada, bob);
    const word = tag();
    await chat.bulkMessages(ada, room, 120, (n) => `'${word} number ' || ${n}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await search(bob, { q: word, limit: '50', ...(cursor ? { cursor } : {}) });
      expect(response.statusCode).toBe(200);
      seen.push(...response.json().items.map((message: { content: string }) => message.content));
      cursor = response.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 120 }, (_, n) => `${word} number ${120 - n}`));
  });

  it('treats LIKE and regular-expression characters literally', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.direct(ada, bob);
    const word = tag();
    await chat.message(ada, room, `${word} 100% sure (really) a_b`);
    await chat.message(ada, room, `${word} 1000 things`);
    expect(await found(bob, `${word} 100%`)).toEqual([`${word} 100% sure (really) a_b`]);
    expect(await found(bob, `${word} (really)`)).toEqual([`${word} 100% sure (really) a_b`]);
    expect(await found(bob, `${word} a_b`)).toEqual([`${word} 100% sure (really) a_b`]);
    expect(await found(bob, `${word} .*`)).toEqual([]);
  });

  it(`searches terms too short for the index only in the newest ${SHORT_SEARCH_MESSAGES} messages of each recent conversation`, async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.direct(ada, bob);
    // Two CJK characters no other test's messages contain, in the oldest message, then more than the window.
    const [first, second] = [
      String.fromCodePoint(0x4e00 + Math.floor(Math.random() * 20_000)),
      String.fromCodePoint(0x4e00 + Math.floor(Math.random() * 20_000)),
    ];
    const pair = `${first}${second}`;
    await chat.message(ada, room, `old ${pair} message`);
    await chat.bulkMessages(ada, room, SHORT_SEARCH_MESSAGES + 10);
    await chat.message(ada, room, `new ${pair} message`);
    expect(await found(bob, pair)).toEqual([`new ${pair} message`]);
    // Within one named conversation the window is wider, and a term the index serves has no window at all.
    expect(await found(bob, pair, { conversationId: room.id })).toEqual([`new ${pair} message`, `old ${pair} message`]);
    expect(await found(bob, `${pair}${first}`)).toEqual([]);
    expect(await found(bob, 'old')).toContain(`old ${pair} message`);
  });

  it('refuses a missing, blank or over-long query and a bad cursor with 400', async () => {
    const ada = await given.user();
    for (const query of [
      {},
      { q: '   ' },
      { q: 'x'.repeat(101) },
      { q: 'ok', cursor: 'garbage' },
      { q: 'ok', conversationId: 'nope' },
      { q: 'ok', limit: '500' },
    ]) {
      const response = await search(ada, query as Record<string, string>);
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
    }
    const unauthenticated = await app.running.app.inject({ method: 'GET', url: '/api/v1/messages/search?q=hello' });
    expect(unauthenticated.statusCode).toBe(401);
  });
});
