import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { verifySignature } from '../../src/common/http/signature.js';
import { eventually } from '../support/faults/ports.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { Receiver } from '../support/integrations/receiver.js';
import { AsyncApiChecker, socketFactory } from '../support/sockets.js';
import { useTestApp } from '../support/use-test-app.js';

const SECRET = 'push-relay-secret-for-the-tests';

describe('push for offline members', () => {
  const relay = new Receiver();
  const env: Record<string, string> = { PUSH_RELAY_SECRET: SECRET, JOBS_POLL_INTERVAL_MS: '500', PRESENCE_OFFLINE_GRACE: '0' };
  // Before the app starts (hooks run in declaration order): the relay's URL goes into its environment.
  beforeAll(async () => {
    await relay.up();
    env.PUSH_RELAY_URL = relay.url;
  });
  afterAll(() => relay.down());
  const app = useTestApp({ env, listen: true });
  let given: Given;
  let chat: ChatGiven;
  let sockets: ReturnType<typeof socketFactory>;

  beforeAll(async () => {
    given = builders(app.running);
    chat = chatBuilders(app.running);
    const checker = await AsyncApiChecker.load(app.running);
    sockets = socketFactory(() => checker);
  });
  afterAll(() => sockets.closeAll());

  const inject = (method: 'GET' | 'POST' | 'DELETE' | 'PATCH', url: string, user: GivenUser | null, payload?: object) =>
    app.running.app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {}, payload });

  async function device(user: GivenUser, token = `tok-${randomUUID()}`) {
    const answer = await inject('POST', '/devices', user, { platform: 'ios', token, appId: 'com.example.chat' });
    expect(answer.statusCode).toBe(201);
    return answer.json() as { id: string; token: string };
  }

  /** Resolves once the message's push job has finished, whatever it sent. */
  const pushed = (messageId: string) =>
    eventually(
      async () => {
        const [row] = await app.running.app
          .get(DataSource)
          .query(`SELECT state FROM pgboss.job WHERE name = 'push.message' AND data->>'messageId' = $1`, [messageId]);
        return row?.state === 'completed' ? true : undefined;
      },
      { timeoutMs: 20_000, what: 'push job completed' },
    );

  const pushesTo = (userId: string) => relay.bodies().filter((body) => body.userId === userId);

  describe('devices', () => {
    it('registers, lists and removes your own devices; a token registered again moves, never duplicates', async () => {
      const [ada, bob] = await Promise.all([given.user(), given.user()]);
      const first = await device(ada, 'shared-token-1');
      expect(first).toEqual({ id: expect.any(String), platform: 'ios', token: 'shared-token-1', appId: 'com.example.chat', createdAt: expect.any(String) });
      expect((await inject('GET', '/devices', ada)).json().items).toHaveLength(1);
      await device(bob, 'shared-token-1');
      expect((await inject('GET', '/devices', ada)).json().items).toHaveLength(0);
      expect((await inject('GET', '/devices', bob)).json().items.map((item: { token: string }) => item.token)).toEqual(['shared-token-1']);
      const bobs = (await inject('GET', '/devices', bob)).json().items[0].id as string;
      expect((await inject('DELETE', `/devices/${bobs}`, ada)).statusCode).toBe(404);
      expect((await inject('DELETE', `/devices/${bobs}`, bob)).statusCode).toBe(204);
      expect((await inject('DELETE', `/devices/${bobs}`, bob)).statusCode).toBe(404);
      expect((await inject('GET', '/devices', null)).statusCode).toBe(401);
    });

    it.each([{ platform: 'windows', token: 'x' }, { platform: 'ios' }, { platform: 'ios', token: 'has space' }, { platform: 'ios', token: 'x', extra: 1 }])(
      'refuses %j with 400',
      async (body) => {
        expect((await inject('POST', '/devices', await given.user(), body)).statusCode).toBe(400);
      },
    );
  });

  describe('pushes', () => {
    it('pushes a message, signed, to an offline member with a device — not to the sender, an online member or one without devices', async () => {
      const [sender, offline, online, deviceless] = await Promise.all([given.user(), given.user(), given.user(), given.user()]);
      const group = await chat.group(sender, [offline, online, deviceless], 'Pushers');
      const [offlineDevice] = [await device(offline), await device(online), await device(sender)];
      await sockets.connect(app.running.url, online.accessToken);
      await chat.message(offline, group, 'an unread one first');
      const message = await chat.message(sender, group, 'are you there?');
      await pushed(message.id);

      const [push] = pushesTo(offline.id).filter((body) => body.messageId === message.id);
      expect(push).toEqual({
        userId: offline.id,
        devices: [{ id: offlineDevice.id, platform: 'ios', token: offlineDevice.token, appId: 'com.example.chat' }],
        conversationId: group.id,
        messageId: message.id,
        title: sender.displayName,
        body: 'are you there?',
        badge: 1,
        collapseKey: group.id,
      });
      const request = relay.requests.find((entry) => entry.json?.messageId === message.id && entry.json.userId === offline.id)!;
      expect(verifySignature(SECRET, request.body, String(request.headers['x-chat-signature']))).toBe(true);
      expect(pushesTo(online.id)).toEqual([]);
      expect(pushesTo(sender.id).filter((body) => body.messageId === message.id)).toEqual([]);
      expect(pushesTo(deviceless.id)).toEqual([]);
    });

    it('respects mute and the notification level (mentions only: only when mentioned)', async () => {
      const [sender, muted, mentionsOnly, silent] = await Promise.all([given.user(), given.user(), given.user(), given.user()]);
      const group = await chat.group(sender, [muted, mentionsOnly, silent], 'Levels');
      for (const user of [muted, mentionsOnly, silent]) await device(user);
      expect((await inject('PATCH', `/conversations/${group.id}/me`, muted, { muted: true })).statusCode).toBe(200);
      expect((await inject('PATCH', `/conversations/${group.id}/me`, mentionsOnly, { notificationLevel: 'mentions' })).statusCode).toBe(200);
      expect((await inject('PATCH', `/conversations/${group.id}/me`, silent, { notificationLevel: 'none' })).statusCode).toBe(200);

      const plain = await chat.message(sender, group, 'nothing special');
      await pushed(plain.id);
      expect(relay.bodies().filter((body) => body.messageId === plain.id)).toEqual([]);

      const mention = await chat.message(sender, group, `hey @${mentionsOnly.username} and @${silent.username} and @${muted.username}`);
      await pushed(mention.id);
      expect(
        relay
          .bodies()
          .filter((body) => body.messageId === mention.id)
          .map((body) => body.userId),
      ).toEqual([mentionsOnly.id]);
    });

    it('removes the tokens the relay reports invalid', async () => {
      const [sender, member] = await Promise.all([given.user(), given.user()]);
      const group = await chat.group(sender, [member]);
      const stale = await device(member, `stale-${randomUUID()}`);
      const good = await device(member, `good-${randomUUID()}`);
      relay.answer = (request) =>
        request.json?.userId === member.id ? { status: 200, body: JSON.stringify({ invalidTokens: [stale.token, 'someone-elses'] }) } : { status: 200 };
      try {
        const message = await chat.message(sender, group, 'prune');
        await pushed(message.id);
      } finally {
        relay.answer = () => ({ status: 200 });
      }
      expect((await inject('GET', '/devices', member)).json().items.map((item: { id: string }) => item.id)).toEqual([good.id]);
    });

    it('retries when the relay fails', async () => {
      const [sender, member] = await Promise.all([given.user(), given.user()]);
      const group = await chat.group(sender, [member]);
      await device(member);
      let failures = 0;
      relay.answer = (request) => (request.json?.userId === member.id && failures++ < 1 ? { status: 503 } : { status: 200 });
      try {
        const message = await chat.message(sender, group, 'eventually');
        await eventually(async () => (pushesTo(member.id).length >= 2 ? true : undefined), { timeoutMs: 30_000, what: 'retried' });
        await pushed(message.id);
      } finally {
        relay.answer = () => ({ status: 200 });
      }
    });
  });
});
