import { builders, type Given, type GivenUser, uniqueName } from '../support/given.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Issue 11, item 6: a stranger must never be able to lock an account's owner out. Attacked over real HTTP,
 * the client's address chosen the way a proxy would report it (`TRUST_PROXY=1`, one `X-Forwarded-For`
 * hop), with the same budgets on Redis (several instances share them) and in memory (one instance).
 */
const FREE = 3;
const ACCOUNT_BOUND = 6;

const backends: Array<[string, Record<string, string>]> = [['memory', { REDIS_URL: '' }]];
if (process.env.REDIS_URL) backends.unshift(['redis', {}]);

let lastOctet = 0;
/** A fresh client address per call, from a range no other suite uses. */
const address = () => {
  lastOctet++;
  return `198.18.${Math.floor(Math.random() * 250)}.${(lastOctet % 250) + 1}`;
};

describe.each(backends)('lockout per account and address (%s)', (_backend, env) => {
  let running: TestApp;
  let given: Given;

  beforeAll(async () => {
    running = await startTestApp(
      {
        ...env,
        TRUST_PROXY: '1',
        LOGIN_MAX_FAILURES: String(FREE),
        LOGIN_ACCOUNT_MAX_FAILURES: String(ACCOUNT_BOUND),
        // Whole seconds, so `retry-after` shows the doubling; the cap keeps the suite's waits to seconds.
        LOGIN_DELAY_BASE: '1s',
        LOGIN_DELAY_MAX: '2s',
      },
      { listen: true },
    );
    given = builders(running);
  });

  afterAll(async () => {
    await running.close();
  });

  const post = (path: string, from: string, body: object, headers: Record<string, string> = {}) =>
    fetch(`${running.url}/api/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from, ...headers },
      body: JSON.stringify(body),
    });
  const login = (email: string, password: string, from: string) => post('/auth/login', from, { email, password });
  const retryAfter = (response: Response) => Number(response.headers.get('retry-after'));

  /** Fails from `from` until it is let in again (bounded), answering that answer: the wait is over. */
  async function failWhenAllowed(email: string, from: string): Promise<Response> {
    for (let attempt = 0; attempt < 60; attempt++) {
      const response = await login(email, 'wrong password', from);
      if (response.status !== 429) return response;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${from} was still refused after 60 tries`);
  }

  async function failTimes(email: string, from: string, times: number): Promise<void> {
    for (let i = 0; i < times; i++) expect((await login(email, 'wrong password', from)).status).toBe(401);
  }

  it("makes the stranger's address wait, never the owner's: the owner signs in from home with the right password", async () => {
    const owner = await given.user();
    const [stranger, home] = [address(), address()];
    await failTimes(owner.email, stranger, FREE);
    const refused = await login(owner.email, owner.password, stranger);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(retryAfter(refused)).toBeGreaterThanOrEqual(1);

    expect((await login(owner.email, owner.password, home)).status).toBe(200);
    // The owner's own typo from home is an ordinary 401, not a lock.
    expect((await login(owner.email, 'a typo of mine', home)).status).toBe(401);
  });

  it('grows the wait from one address after each further failure (1 s, 2 s), up to LOGIN_DELAY_MAX, and refuses without checking a password', async () => {
    const owner = await given.user();
    const stranger = address();
    await failTimes(owner.email, stranger, FREE);
    const first = await login(owner.email, 'wrong password', stranger);
    expect([first.status, retryAfter(first)]).toEqual([429, 1]);

    // The wait over, the next failure doubles it…
    expect((await failWhenAllowed(owner.email, stranger)).status).toBe(401);
    const second = await login(owner.email, owner.password, stranger);
    expect([second.status, retryAfter(second)]).toEqual([429, 2]);
    // …and the one after that stays at the cap: no wait is ever longer.
    expect((await failWhenAllowed(owner.email, stranger)).status).toBe(401);
    const third = await login(owner.email, 'wrong password', stranger);
    expect([third.status, retryAfter(third)]).toEqual([429, 2]);

    // A wait always ends: then the right password gets in from that very address, and resets it.
    const allowed = await (async () => {
      for (let attempt = 0; attempt < 60; attempt++) {
        const response = await login(owner.email, owner.password, stranger);
        if (response.status !== 429) return response;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('still refused');
    })();
    expect(allowed.status).toBe(200);
    await failTimes(owner.email, stranger, FREE - 1);
  });

  it('counts unknown emails per address the same way (the answer never tells whether an account exists)', async () => {
    const email = `${uniqueName()}@example.test`;
    const [stranger, other] = [address(), address()];
    await failTimes(email, stranger, FREE);
    expect((await login(email, 'wrong password', stranger)).status).toBe(429);
    expect((await login(email, 'wrong password', other)).status).toBe(401);
  });

  it('only slows the account past LOGIN_ACCOUNT_MAX_FAILURES: unknown addresses wait from their first failure, the owner never', async () => {
    const owner = await given.user();
    const home = address();
    expect((await login(owner.email, owner.password, home)).status).toBe(200);

    // A botnet: every address stays under its own budget, together they pass the account's.
    for (let i = 0; i < ACCOUNT_BOUND; i++) await failTimes(owner.email, address(), 1);

    const bot = address();
    await failTimes(owner.email, bot, 1);
    expect((await login(owner.email, 'wrong password', bot)).status).toBe(429);

    // An address that signed in before keeps its free failures, and its right password works.
    await failTimes(owner.email, home, FREE - 1);
    expect((await login(owner.email, owner.password, home)).status).toBe(200);
    // A new address's first try is always answered: the account is slowed, never locked.
    const cafe = address();
    expect((await login(owner.email, owner.password, cafe)).status).toBe(200);
    // Having signed in, that address is now known too: its typos are ordinary 401s.
    await failTimes(owner.email, cafe, FREE - 1);
  });

  describe('password change', () => {
    const changePassword = (user: GivenUser, from: string, currentPassword: string, newPassword = `new-${uniqueName()}`) =>
      post('/auth/password', from, { currentPassword, newPassword }, { authorization: `Bearer ${user.accessToken}` });

    it("can't be blocked by a stranger's failed logins", async () => {
      const owner = await given.user();
      const [stranger, home] = [address(), address()];
      await failTimes(owner.email, stranger, FREE);
      expect((await login(owner.email, 'wrong password', stranger)).status).toBe(429);
      expect((await changePassword(owner, home, owner.password)).status).toBe(204);
    });

    it('makes only the address that got the current password wrong wait, and not for logins elsewhere', async () => {
      const owner = await given.user();
      const [thief, home] = [address(), address()];
      for (let i = 0; i < FREE; i++) {
        const wrong = await changePassword(owner, thief, 'not the password');
        expect(wrong.status).toBe(400);
      }
      const waiting = await changePassword(owner, thief, owner.password);
      expect(waiting.status).toBe(429);
      expect(retryAfter(waiting)).toBeGreaterThanOrEqual(1);
      expect((await login(owner.email, owner.password, home)).status).toBe(200);
    });
  });
});
