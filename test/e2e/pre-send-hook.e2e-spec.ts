import { randomUUID } from 'node:crypto';
import { chatBuilders } from '../support/given-chat.js';
import { builders, type GivenUser } from '../support/given.js';
import { Receiver } from '../support/integrations/receiver.js';
import { useTestApp } from '../support/use-test-app.js';
import { verifySignature } from '../../src/common/http/signature.js';

const SECRET = 'pre-send-hook-secret-0123';

function hookSuite(fail: 'open' | 'closed') {
  describe(`pre-send hook (PRE_SEND_HOOK_FAIL=${fail})`, () => {
    const hook = new Receiver();
    const env: Record<string, string> = { PRE_SEND_HOOK_FAIL: fail, PRE_SEND_HOOK_TIMEOUT_MS: '300', PRE_SEND_HOOK_SECRET: SECRET };
    beforeAll(async () => {
      await hook.up();
      env.PRE_SEND_HOOK_URL = hook.url;
    });
    afterAll(() => hook.down());
    const app = useTestApp({ env });

    const send = (user: GivenUser, conversationId: string, content: string) =>
      app.running.app.inject({
        method: 'POST',
        url: `/api/v1/conversations/${conversationId}/messages`,
        headers: user.auth,
        payload: { clientMessageId: randomUUID(), content },
      });

    async function room() {
      const given = builders(app.running);
      const [ada, bob] = await Promise.all([given.user(), given.user()]);
      return { ada, group: await chatBuilders(app.running).group(ada, [bob]) };
    }

    it('approves, rewrites and rejects before anything is committed; the request is signed', async () => {
      const { ada, group } = await room();
      hook.answer = (request) => {
        const content = request.json.content as string;
        if (content.includes('darn')) return { status: 200, body: JSON.stringify({ action: 'rewrite', content: content.replace('darn', '****') }) };
        if (content.includes('spam')) return { status: 200, body: JSON.stringify({ action: 'reject', reason: 'Looks like spam' }) };
        return { status: 200, body: JSON.stringify({ action: 'approve' }) };
      };
      expect((await send(ada, group.id, 'hello')).json().content).toBe('hello');
      expect((await send(ada, group.id, 'oh darn it')).json().content).toBe('oh **** it');
      const rejected = await send(ada, group.id, 'buy spam');
      expect(rejected.statusCode).toBe(403);
      expect(rejected.json()).toMatchObject({ code: 'MESSAGE_REJECTED', message: 'Looks like spam' });
      const history = await app.running.app.inject({ method: 'GET', url: `/api/v1/conversations/${group.id}/messages`, headers: ada.auth });
      expect(history.json().items.map((item: { content: string }) => item.content)).toEqual(['hello', 'oh **** it']);
      const last = hook.requests.at(-1)!;
      expect(last.json).toMatchObject({ conversationId: group.id, senderId: ada.id, content: 'buy spam', attachmentIds: [], replyToId: null });
      expect(verifySignature(SECRET, last.body, String(last.headers['x-chat-signature']))).toBe(true);
    });

    it('answers a retry of an accepted message with that message, without asking the hook again', async () => {
      const { ada, group } = await room();
      hook.answer = () => ({ status: 200, body: JSON.stringify({ action: 'rewrite', content: 'first verdict' }) });
      const payload = { clientMessageId: randomUUID(), content: 'once' };
      const request = () => app.running.app.inject({ method: 'POST', url: `/api/v1/conversations/${group.id}/messages`, headers: ada.auth, payload });
      const first = await request();
      expect(first.statusCode).toBe(201);
      const asked = hook.requests.length;
      // The hook has since changed its mind about everything: the retry must still answer what was accepted.
      hook.answer = () => ({ status: 200, body: JSON.stringify({ action: 'reject', reason: 'changed my mind' }) });
      const retry = await request();
      expect({ status: retry.statusCode, id: retry.json().id, content: retry.json().content }).toEqual({
        status: 200,
        id: first.json().id,
        content: 'first verdict',
      });
      expect(hook.requests.length).toBe(asked);
    });

    it(fail === 'open' ? 'sends unchanged when the hook hangs or fails' : 'refuses with 503 when the hook hangs or fails', async () => {
      const { ada, group } = await room();
      for (const answer of ['hang', { status: 500 }, { status: 200, body: 'not json' }, { status: 200, body: '{"action":"explode"}' }] as const) {
        hook.answer = () => answer;
        const response = await send(ada, group.id, 'checked?');
        if (fail === 'open') expect(response.statusCode).toBe(201);
        else expect(response.json()).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
      }
    });
  });
}

hookSuite('open');
hookSuite('closed');
