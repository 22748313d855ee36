import { DataSource } from 'typeorm';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { AsyncApiChecker, type ClientOptions, clientSocket, connected, refusal, sleep, socketFactory, type TestSocket } from '../support/sockets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Issue 11, item 8: one client's small effort must not become the server's (or everyone else's) big one.
 * Each cap is attacked over the wire — real HTTP, real sockets from socket.io-client on 127.0.0.1 — with
 * the client's address given the way a proxy reports it (`TRUST_PROXY=1`).
 */
const REACTIONS = 3;
const SOCKETS = 3;
const HANDSHAKES_PER_ADDRESS = 4;
const HANDSHAKES_PER_USER = 12;
const MEMBERSHIP_CHANGES = 4;
const PRESENCE_EVENTS = 4;

interface Presence {
  userId: string;
  online: boolean;
  lastSeenAt: string | null;
}

interface RefusedHandshake extends Error {
  data?: { code: string; message: string; retryAfter?: number };
}

let lastOctet = 0;
const address = () => {
  lastOctet++;
  return `198.19.${Math.floor(Math.random() * 250)}.${(lastOctet % 250) + 1}`;
};
const from = (client: string): ClientOptions => ({ extraHeaders: { 'x-forwarded-for': client } });

function suite(env: Record<string, string>) {
  const state: { running?: TestApp; given?: Given; chat?: ChatGiven; checker?: AsyncApiChecker } = {};
  let sockets: ReturnType<typeof socketFactory>;
  beforeAll(async () => {
    const running = await startTestApp({ TRUST_PROXY: '1', ...env }, { listen: true });
    state.running = running;
    state.given = builders(running);
    state.chat = chatBuilders(running);
    state.checker = await AsyncApiChecker.load(running);
    sockets = socketFactory(() => state.checker!);
  });
  afterAll(async () => {
    sockets.closeAll();
    expect(state.checker?.violations).toEqual([]);
    await state.running?.close();
  });
  return {
    get running() {
      return state.running!;
    },
    get given() {
      return state.given!;
    },
    get chat() {
      return state.chat!;
    },
    get checker() {
      return state.checker!;
    },
    connect: (user: GivenUser, client = address()) => sockets.connect(state.running!.url, user.accessToken, from(client)),
  };
}

describe('amplification caps', () => {
  const t = suite({
    REACTIONS_PER_MESSAGE: String(REACTIONS),
    SOCKETS_PER_USER: String(SOCKETS),
    HANDSHAKE_RATE_LIMIT: String(HANDSHAKES_PER_ADDRESS),
    HANDSHAKE_USER_RATE_LIMIT: String(HANDSHAKES_PER_USER),
    MEMBERSHIP_CHANGE_LIMIT: String(MEMBERSHIP_CHANGES),
    // Long enough that nobody in this suite goes offline during a test; the grace itself is attacked below.
    PRESENCE_OFFLINE_GRACE: '60s',
  });

  const http = (method: string, path: string, user: GivenUser, body?: object) =>
    fetch(`${t.running.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${user.accessToken}`, 'x-forwarded-for': address(), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  describe('distinct reactions per message', () => {
    it('refuses a new emoji beyond REACTIONS_PER_MESSAGE with 409 REACTION_LIMIT, while anyone may still join one already there', async () => {
      const [ada, bob] = await Promise.all([t.given.user(), t.given.user()]);
      const room = await t.chat.group(ada, [bob]);
      const message = await t.chat.message(ada, room);
      const react = (user: GivenUser, emoji: string, method = 'PUT') =>
        http(method, `/conversations/${room.id}/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`, user);

      for (let i = 0; i < REACTIONS; i++) expect((await react(ada, `:e${i}:`)).status).toBe(200);
      const refused = await react(bob, ':one_too_many:');
      expect(refused.status).toBe(409);
      expect(await refused.json()).toMatchObject({ statusCode: 409, code: 'REACTION_LIMIT' });
      // Joining an emoji already there, and reacting again, are fine.
      expect((await react(bob, ':e0:')).status).toBe(200);
      expect((await react(ada, ':e0:')).status).toBe(200);
      // Taking one back makes room for another.
      expect((await react(ada, ':e2:', 'DELETE')).status).toBe(204);
      expect((await react(bob, ':fresh:')).status).toBe(200);

      const history = (await (await http('GET', `/conversations/${room.id}/messages`, ada)).json()) as { items: Array<{ id: string; reactions: unknown }> };
      const reactions = history.items.find((item) => item.id === message.id)!.reactions as Array<{ emoji: string }>;
      expect(reactions.map((reaction) => reaction.emoji).sort()).toEqual([':e0:', ':e1:', ':fresh:']);
    });

    it('holds the cap under concurrent reactions with different new emoji', async () => {
      const members = await Promise.all(Array.from({ length: REACTIONS + 3 }, () => t.given.user()));
      const room = await t.chat.group(members[0], members.slice(1));
      const message = await t.chat.message(members[0], room);
      const answers = await Promise.all(
        members.map((member, i) => http('PUT', `/conversations/${room.id}/messages/${message.id}/reactions/${encodeURIComponent(`:c${i}:`)}`, member)),
      );
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(REACTIONS);
      expect(answers.filter((answer) => answer.status === 409)).toHaveLength(3);
    });
  });

  describe('sockets per user', () => {
    it('refuses the handshake past SOCKETS_PER_USER with connect_error SOCKET_LIMIT, other users unaffected, and frees the slot on disconnect', async () => {
      const [ada, bob] = await Promise.all([t.given.user(), t.given.user()]);
      const open: TestSocket[] = [];
      for (let i = 0; i < SOCKETS; i++) open.push(await t.connect(ada));

      const refused = (await refusal(clientSocket(t.running.url, ada.accessToken, from(address())))) as RefusedHandshake;
      expect(refused.message).toBe('SOCKET_LIMIT');
      expect(refused.data).toMatchObject({ code: 'SOCKET_LIMIT' });
      expect(refused.data!.message).toMatch(String(SOCKETS));
      // The sockets already open keep working.
      expect(await open[0].request('conversation.leave', { conversationId: '00000000-0000-4000-8000-000000000000' })).toMatchObject({
        ok: expect.any(Boolean),
      });
      await t.connect(bob);

      open[0].close();
      // The slot comes back once the server has seen the disconnect (a handful of tries at most).
      let again: RefusedHandshake | undefined;
      for (let attempt = 0; attempt < 8; attempt++) {
        const socket = clientSocket(t.running.url, ada.accessToken, from(address()));
        try {
          await connected(socket);
          socket.disconnect();
          again = undefined;
          break;
        } catch (error) {
          socket.disconnect();
          again = error as RefusedHandshake;
          await sleep(50);
        }
      }
      expect(again).toBeUndefined();
    });
  });

  describe('handshakes per minute', () => {
    it('refuses more than HANDSHAKE_RATE_LIMIT handshakes a minute from one address, valid tokens or not, before looking at the token', async () => {
      const ada = await t.given.user();
      const client = address();
      for (let i = 0; i < HANDSHAKES_PER_ADDRESS; i++) {
        const refused = await refusal(clientSocket(t.running.url, 'not a token', from(client)));
        expect(refused.message).toBe('UNAUTHORIZED');
      }
      const limited = (await refusal(clientSocket(t.running.url, ada.accessToken, from(client)))) as RefusedHandshake;
      expect(limited.message).toBe('RATE_LIMITED');
      expect(limited.data).toMatchObject({ code: 'RATE_LIMITED' });
      expect(limited.data!.retryAfter).toBeGreaterThanOrEqual(1);
      // Another address, the same user: in.
      await t.connect(ada);
    });

    it('refuses more than HANDSHAKE_USER_RATE_LIMIT handshakes a minute by one user, from any addresses', async () => {
      const ada = await t.given.user();
      for (let i = 0; i < HANDSHAKES_PER_USER; i++) {
        const socket = clientSocket(t.running.url, ada.accessToken, from(address()));
        await connected(socket);
        socket.disconnect();
      }
      const limited = (await refusal(clientSocket(t.running.url, ada.accessToken, from(address())))) as RefusedHandshake;
      expect(limited.message).toBe('RATE_LIMITED');
      expect(limited.data!.retryAfter).toBeGreaterThanOrEqual(1);
    });
  });

  describe('membership changes per minute', () => {
    it('answers 429 past MEMBERSHIP_CHANGE_LIMIT changes a minute by one actor; others, and leaving, are never held back', async () => {
      const [ada, bob, cy, dee] = await Promise.all([t.given.user(), t.given.user(), t.given.user(), t.given.user()]);
      const room = await t.chat.group(ada, [bob, cy]);
      const roles = ['admin', 'member'];
      for (let i = 0; i < MEMBERSHIP_CHANGES; i++) {
        expect((await http('PATCH', `/conversations/${room.id}/members/${bob.id}`, ada, { role: roles[i % 2] })).status).toBe(200);
      }
      const limited = await http('POST', `/conversations/${room.id}/members`, ada, { userIds: [dee.id] });
      expect(limited.status).toBe(429);
      expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await http('DELETE', `/conversations/${room.id}/members/${cy.id}`, ada)).status).toBe(429);

      // A stranger's refused request spends nothing, and another actor has a budget of its own.
      const other = await t.chat.group(bob, [cy]);
      expect((await http('PATCH', `/conversations/${other.id}/members/${cy.id}`, bob, { role: 'admin' })).status).toBe(200);
      // The limited owner can still leave (ownership passes on).
      expect((await http('DELETE', `/conversations/${room.id}/members/${ada.id}`, ada)).status).toBe(204);
    });

    it('writes one event to the room for a role change in a big group, not one per member, and /sync and delivery follow it', async () => {
      const owner = await t.given.user();
      const members = await Promise.all(Array.from({ length: 30 }, () => t.given.user()));
      const [target, watcher] = members;
      const room = await t.chat.group(owner, members);
      const database = t.running.app.get(DataSource);
      const eventsOfRoom = async () =>
        Number(
          (
            await database.query(`SELECT count(*)::int AS n FROM chat_event WHERE conversation_id = $1 OR (user_id IS NOT NULL AND data->>'id' = $1::text)`, [
              room.id,
            ])
          )[0].n,
        );
      const { cursor } = (await (await http('GET', '/sync', watcher)).json()) as { cursor: string };
      const [watcherSocket, targetSocket] = await Promise.all([t.connect(watcher), t.connect(target)]);
      const before = await eventsOfRoom();

      expect((await http('PATCH', `/conversations/${room.id}/members/${target.id}`, owner, { role: 'admin' })).status).toBe(200);
      expect((await eventsOfRoom()) - before).toBe(2);

      const announced = await watcherSocket.next<{ conversationId: string; userId: string; role: string }>('member.updated');
      expect(announced.payload).toEqual({ conversationId: room.id, userId: target.id, role: 'admin', moderationMuted: false, moderationMutedUntil: null });
      const mine = await targetSocket.next<{ id: string; myRole: string }>('conversation.updated', (view) => view.id === room.id);
      expect(mine.payload.myRole).toBe('admin');
      await targetSocket.next('member.updated');

      const synced = (await (await http('GET', `/sync?since=${encodeURIComponent(cursor)}`, watcher)).json()) as {
        events: Array<{ type: string; data: unknown }>;
      };
      expect(synced.events.map((event) => event.type)).toEqual(['member.updated']);
      expect(synced.events[0].data).toEqual(announced.payload);

      // The rooms are as they were: the promoted member and the others still get the group's messages.
      const sent = await t.chat.message(owner, room);
      await watcherSocket.next<{ id: string }>('message.created', (message) => message.id === sent.id);
      await targetSocket.next<{ id: string }>('message.created', (message) => message.id === sent.id);
      expect(watcherSocket.all('conversation.updated', (view: { id: string }) => view.id === room.id)).toEqual([]);
    });
  });

  describe('presence under connect/disconnect loops', () => {
    it('announces a user who reconnects within PRESENCE_OFFLINE_GRACE once, not once per flap', async () => {
      const [watcher, flapper, marker] = await Promise.all([t.given.user(), t.given.user(), t.given.user()]);
      await t.chat.group(watcher, [flapper, marker]);
      const watcherSocket = await t.connect(watcher);
      const ofFlapper = (presence: Presence) => presence.userId === flapper.id;

      let socket = await t.connect(flapper);
      await watcherSocket.next<Presence>('presence', ofFlapper);
      for (let i = 0; i < 8; i++) {
        socket.close();
        socket = await t.connect(flapper);
      }
      // A barrier: another user's presence, announced after every flap above was handled.
      await t.connect(marker);
      await watcherSocket.next<Presence>('presence', (presence) => presence.userId === marker.id);
      expect(watcherSocket.all<Presence>('presence', ofFlapper).map((event) => event.payload.online)).toEqual([true]);
    });
  });
});

describe('presence budget (no grace)', () => {
  const t = suite({ PRESENCE_OFFLINE_GRACE: '0', PRESENCE_EVENT_LIMIT: String(PRESENCE_EVENTS) });

  it('sends a contact at most PRESENCE_EVENT_LIMIT presence events per user per minute, however fast the user flaps', async () => {
    const [watcher, flapper, marker] = await Promise.all([t.given.user(), t.given.user(), t.given.user()]);
    await t.chat.group(watcher, [flapper, marker]);
    const watcherSocket = await t.connect(watcher);
    const ofFlapper = (presence: Presence) => presence.userId === flapper.id;

    for (let i = 0; i < 10; i++) {
      const socket = await t.connect(flapper);
      socket.close();
      await socket.disconnected();
    }
    // Everything the budget lets through arrives…
    for (let seen = 1; seen <= PRESENCE_EVENTS; seen++) {
      await watcherSocket.next<Presence>('presence', (presence) => ofFlapper(presence) && watcherSocket.all<Presence>('presence', ofFlapper).length >= seen);
    }
    // …and nothing more, though the flapper went on and off twenty times.
    await t.connect(marker);
    await watcherSocket.next<Presence>('presence', (presence) => presence.userId === marker.id);
    expect(watcherSocket.all<Presence>('presence', ofFlapper)).toHaveLength(PRESENCE_EVENTS);
  });
});
