import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { HeavyWorkAdmission } from '../../src/common/concurrency/heavy-work-admission.js';
import { chatBuilders } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { eventually } from '../support/faults/ports.js';
import { filesIn, temporaryMediaDir } from '../support/media.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { until } from '../support/until.js';

/*
 * Search, sync, history and uploads cost what the data costs. One account with many of them in flight
 * used to hold every pooled connection, and everyone else got 503s. Each user may now have
 * HEAVY_REQUESTS_PER_USER of them in flight per instance; more answer 429, others are not affected.
 */
describe('heavy requests per user', () => {
  let running: TestApp;
  let given: Given;
  const LIMIT = 2;
  const mediaDir = temporaryMediaDir();

  beforeAll(async () => {
    // No minimum body rate: the uploads below stall on purpose, to hold their slots.
    running = await startTestApp({ HEAVY_REQUESTS_PER_USER: String(LIMIT), HTTP_MIN_BODY_RATE: '0', MEDIA_DIR: mediaDir.path }, { listen: true });
    given = builders(running);
  });

  afterAll(async () => {
    await running.close();
    mediaDir.remove();
  });

  const get = (user: GivenUser, url: string) => running.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: user.auth });

  /** An upload whose headers and first bytes arrived, and whose rest never comes: a request in flight. */
  async function stalledUpload(user: GivenUser): Promise<Socket & { answered: string[] }> {
    const { hostname, port } = new URL(running.url);
    const socket = Object.assign(connect(Number(port), hostname), { answered: [] as string[] });
    socket.on('error', () => {});
    // Should stay empty while the test holds the slot: anything here says why the upload ended.
    socket.on('data', (chunk) => socket.answered.push(chunk.toString('latin1').slice(0, 300)));
    await once(socket, 'connect');
    const boundary = 'stalled-upload';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    socket.write(
      `POST /api/v1/media HTTP/1.1\r\nHost: test\r\nAuthorization: ${user.auth.authorization}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 1000000\r\n\r\n${head}`,
    );
    socket.write(Buffer.alloc(64 * 1024, 1));
    return socket;
  }

  it('answers 429 to one more than the bound while they are in flight, serves other users meanwhile, and frees the slots', async () => {
    const [heavy, other] = [await given.user(), await given.user()];
    const room = await chatBuilders(running).direct(heavy, other);
    const uploads: Array<Awaited<ReturnType<typeof stalledUpload>>> = [];
    try {
      // One at a time, each until the server is writing it (its temporary file exists): it holds a slot.
      for (let n = 1; n <= LIMIT; n++) {
        uploads.push(await stalledUpload(heavy));
        await eventually(async () => (filesIn(mediaDir.path).length === n ? true : undefined), { timeoutMs: 20_000, what: `upload ${n} streaming` });
      }
      expect(uploads.map((upload) => upload.answered)).toEqual([[], []]);
      const refused = await get(heavy, '/messages/search?q=anything');
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining(`at most ${LIMIT} in flight`) });
      expect(refused.headers['retry-after']).toBe('1');
      for (const url of [`/conversations/${room.id}/messages`, '/sync', '/messages/search?q=again']) expect((await get(heavy, url)).statusCode).toBe(429);
      // Light requests of the same user, and every request of another user, go on.
      expect((await get(heavy, '/users/me')).statusCode).toBe(200);
      // (Two at a time: the other user has a bound of their own.)
      for (const urls of [
        ['/messages/search?q=anything', `/conversations/${room.id}/messages`],
        ['/sync', '/messages/search?q=more'],
      ]) {
        const answers = await Promise.all(urls.map((url) => get(other, url)));
        expect(answers.map((response) => response.statusCode)).toEqual([200, 200]);
      }
    } finally {
      for (const socket of uploads) socket.destroy();
    }
    await eventually(async () => ((await get(heavy, '/messages/search?q=anything')).statusCode === 200 ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the slots freed',
    });
  });

  it('queues heavy work beyond its part of the pool, and sends go on meanwhile', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const chat = chatBuilders(running);
    const room = await chat.direct(ada, bob);
    // Every permit of heavy work taken, as by a reconnect storm's handshakes and /sync calls.
    const admission = running.app.get(HeavyWorkAdmission);
    const held = await Promise.all(Array.from({ length: admission.permits }, () => admission.acquire()));
    try {
      const history = get(ada, `/conversations/${room.id}/messages`);
      await until(() => admission.waiting === 1, 'the history request queued');
      const sent = await chat.message(bob, room, 'sent while heavy work waits');
      expect(admission.waiting).toBe(1);
      held.pop()!();
      const page = await history;
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(sent.id);
    } finally {
      for (const release of held) release();
    }
  });

  it('keeps answering another user while one account fires 25 heavy requests at once', async () => {
    const [flooder, other] = [await given.user(), await given.user()];
    const room = await chatBuilders(running).direct(flooder, other);
    const flood = Array.from({ length: 25 }, (_, n) => get(flooder, n % 2 ? `/messages/search?q=zz${n}` : `/conversations/${room.id}/messages`));
    for (let n = 0; n < 5; n++) expect((await get(other, `/conversations/${room.id}/messages`)).statusCode).toBe(200);
    const statuses = (await Promise.all(flood)).map((response) => response.statusCode);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
  });
});
