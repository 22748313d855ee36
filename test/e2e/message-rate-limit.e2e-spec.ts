import { randomUUID } from 'node:crypto';
import { MessagesService } from '../../src/messages/messages.service.js';
import { chatBuilders } from '../support/given-chat.js';
import { builders } from '../support/given.js';
import { useTestApp } from '../support/use-test-app.js';

describe('message rate limit', () => {
  const app = useTestApp({ env: { MESSAGE_RATE_LIMIT: '3' } });

  it('allows MESSAGE_RATE_LIMIT messages per user per 10 s across REST and socket sends, then 429 with retry-after', async () => {
    const given = builders(app.running);
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chatBuilders(app.running).direct(ada, bob);
    const send = () =>
      app.running.app.inject({
        method: 'POST',
        url: `/api/v1/conversations/${room.id}/messages`,
        headers: ada.auth,
        payload: { clientMessageId: randomUUID(), content: 'flood' },
      });
    expect((await send()).statusCode).toBe(201);
    expect((await send()).statusCode).toBe(201);
    // The socket gateway sends through the same method: it shares the budget.
    await app.running.app
      .get(MessagesService)
      .send({ id: ada.id, role: 'user', sessionId: '' }, room.id, { clientMessageId: randomUUID(), content: 'ws' }, 'ws');
    const limited = await send();
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(10);
    // Someone else still can.
    const fromBob = await app.running.app.inject({
      method: 'POST',
      url: `/api/v1/conversations/${room.id}/messages`,
      headers: bob.auth,
      payload: { clientMessageId: randomUUID(), content: 'hi' },
    });
    expect(fromBob.statusCode).toBe(201);
  });
});
