import { builders, type Given, type GivenUser, uniqueName } from '../support/given.js';
import { clientSocket, refusal } from '../support/sockets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/*
 * Attacks a client can make with what it legitimately holds, beyond the forged tokens of
 * access-tokens.e2e-spec.ts: its tokens in the wrong place, a spoofed X-Forwarded-For, and a flood.
 * Fields it must not set: mass-assignment.e2e-spec.ts.
 */

/** A fresh address per test, so suites sharing Redis never share a budget. */
const address = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
const forwardedFor = (n: number) => `203.0.113.${(n % 250) + 1}`;

describe('tokens used in the wrong place', () => {
  let running: TestApp;
  let given: Given;

  beforeAll(async () => {
    running = await startTestApp({}, { listen: true });
    given = builders(running);
  });

  afterAll(async () => {
    await running.close();
  });

  const me = (ada: GivenUser) => running.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: ada.auth });

  it('refuses a refresh token as an access token, on REST and at the socket handshake', async () => {
    const ada = await given.user();
    const response = await running.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${ada.refreshToken}` } });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await refusal(clientSocket(running.url, ada.refreshToken))).message).toBe('UNAUTHORIZED');
    // The refresh token is still good for what it is for.
    const refreshed = await running.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: ada.refreshToken },
      remoteAddress: address(),
    });
    expect(refreshed.statusCode).toBe(200);
  });

  it('refuses an access token as a refresh token, without spending or revoking anything', async () => {
    const ada = await given.user();
    const refresh = (refreshToken: string) =>
      running.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken }, remoteAddress: address() });
    // A JWT is longer than any refresh token (43 characters): refused before any lookup…
    const whole = await refresh(ada.accessToken);
    expect(whole.statusCode).toBe(400);
    expect(whole.json().details).toEqual([expect.objectContaining({ field: 'refreshToken' })]);
    // …and cut to the longest accepted length, it is just an unknown refresh token.
    const cut = await refresh(ada.accessToken.slice(0, 256));
    expect(cut.statusCode).toBe(401);
    expect(cut.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await me(ada)).statusCode).toBe(200);
    const refreshed = await running.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: ada.refreshToken },
      remoteAddress: address(),
    });
    expect(refreshed.statusCode).toBe(200);
  });

  it("refuses a socket's auth.renew with the user's refresh token", async () => {
    const ada = await given.user();
    const socket = clientSocket(running.url, ada.accessToken);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
        socket.connect();
      });
      const ack = await socket.timeout(5_000).emitWithAck('auth.renew', { token: ada.refreshToken });
      expect(ack).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      expect(socket.connected).toBe(true);
    } finally {
      socket.disconnect();
    }
  });
});

describe('X-Forwarded-For without TRUST_PROXY', () => {
  let running: TestApp;

  beforeAll(async () => {
    running = await startTestApp({ AUTH_THROTTLE_LIMIT: '3', THROTTLE_LIMIT: '5' });
  });

  afterAll(async () => {
    await running.close();
  });

  it('does not give a client a new auth budget per forged X-Forwarded-For', async () => {
    const remoteAddress = address();
    const statuses: number[] = [];
    for (let n = 0; n < 5; n++) {
      const response = await running.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: `${uniqueName()}@example.test`, password: 'a wrong password' },
        headers: { 'x-forwarded-for': forwardedFor(n) },
        remoteAddress,
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('does not give an anonymous client a new request budget per forged X-Forwarded-For', async () => {
    const remoteAddress = address();
    const statuses: number[] = [];
    for (let n = 0; n < 7; n++) {
      statuses.push((await running.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-forwarded-for': forwardedFor(n) }, remoteAddress })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
  });
});

describe('X-Forwarded-For with TRUST_PROXY=1 (behind your own proxy)', () => {
  let running: TestApp;

  beforeAll(async () => {
    running = await startTestApp({ AUTH_THROTTLE_LIMIT: '3', TRUST_PROXY: '1' });
  });

  afterAll(async () => {
    await running.close();
  });

  const login = (forwarded: string, remoteAddress: string) =>
    running.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: `${uniqueName()}@example.test`, password: 'a wrong password' },
      headers: { 'x-forwarded-for': forwarded },
      remoteAddress,
    });

  it("counts each client the proxy names separately, and one client's attempts together whichever proxy address they come through", async () => {
    const proxy = address();
    const client = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const statuses: number[] = [];
    for (let n = 0; n < 4; n++) statuses.push((await login(client, n % 2 ? proxy : address())).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Others behind the same proxy are not held back by that client.
    for (let n = 0; n < 4; n++) expect((await login(forwardedFor(n), proxy)).statusCode).toBe(401);
  });
});

describe('a flooding user', () => {
  let running: TestApp;

  beforeAll(async () => {
    running = await startTestApp({ THROTTLE_LIMIT: '20' });
  });

  afterAll(async () => {
    await running.close();
  });

  it('gets 429 RATE_LIMITED while another user behind the same address keeps getting answers in the same window', async () => {
    const given = builders(running);
    const [flooder, bystander] = [await given.user(), await given.user()];
    const remoteAddress = address();
    const read = (user: GivenUser) => running.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: user.auth, remoteAddress });
    const flood = await Promise.all(Array.from({ length: 40 }, () => read(flooder)));
    const limited = flood.filter((response) => response.statusCode === 429);
    expect(flood.filter((response) => response.statusCode === 200)).toHaveLength(20);
    expect(limited).toHaveLength(20);
    expect(limited[0].json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(limited[0].headers['retry-after'])).toBeGreaterThan(0);

    const others = await Promise.all(Array.from({ length: 10 }, () => read(bystander)));
    expect(others.map((response) => response.statusCode)).toEqual(Array(10).fill(200));
    expect((await read(flooder)).statusCode).toBe(429);
  });
});

describe('forged X-Forwarded-For chains', () => {
  /** Signs up through `remoteAddress` with `forwarded` and answers the `ip` its session recorded. */
  async function recordedAddress(running: TestApp, remoteAddress: string, forwarded: string | undefined) {
    const username = uniqueName();
    const signup = await running.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: `${username}@example.test`, username, password: 'a long enough password' },
      headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
      remoteAddress,
    });
    expect(signup.statusCode).toBe(201);
    const sessions = await running.app.inject({
      method: 'GET',
      url: '/api/v1/auth/sessions',
      headers: { authorization: `Bearer ${signup.json().accessToken}` },
    });
    return (sessions.json() as Array<{ ip: string | null }>)[0].ip;
  }

  describe('behind one proxy (TRUST_PROXY=1)', () => {
    let running: TestApp;

    beforeAll(async () => {
      running = await startTestApp({ AUTH_THROTTLE_LIMIT: '3', TRUST_PROXY: '1' });
    });

    afterAll(async () => {
      await running.close();
    });

    it('takes the address the proxy appended, not what the client wrote to its left', async () => {
      // An address of this run's own: a fixed one shares its signup budget (3 a window) with every run in that window.
      const client = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
      expect(await recordedAddress(running, address(), `6.6.6.6, ${client}`)).toBe(client);
    });

    it('does not give a client a new budget for each forged entry it puts in front of the real one', async () => {
      const proxy = address();
      const client = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
      const statuses: number[] = [];
      for (let n = 0; n < 5; n++) {
        const response = await running.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: `${uniqueName()}@example.test`, password: 'a wrong password' },
          headers: { 'x-forwarded-for': `${forwardedFor(n)}, ${client}` },
          remoteAddress: proxy,
        });
        statuses.push(response.statusCode);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    });

    it.each([
      ['an over-long value', 'x'.repeat(100)],
      ['an address with a port', '198.51.100.7:443'],
      ['a host name', 'proxy.example'],
      ['text', "'; DROP TABLE session; --"],
      ['an empty entry', ''],
    ])('stores the peer address, not %s', async (_what, forwarded) => {
      const peer = address();
      expect(await recordedAddress(running, peer, forwarded)).toBe(peer);
    });

    it('keeps valid entries to the right of a junk one', async () => {
      expect(await recordedAddress(running, address(), `${'z'.repeat(80)}, 198.51.100.40`)).toBe('198.51.100.40');
    });
  });

  describe("behind proxies known by address (TRUST_PROXY='10.0.0.0/8')", () => {
    let running: TestApp;

    beforeAll(async () => {
      running = await startTestApp({ TRUST_PROXY: '10.0.0.0/8' });
    });

    afterAll(async () => {
      await running.close();
    });

    it('believes a chain of trusted proxies up to the first address that is not one', async () => {
      expect(await recordedAddress(running, '10.0.0.1', '6.6.6.6, 198.51.100.8, 10.9.9.9')).toBe('198.51.100.8');
    });

    it('ignores X-Forwarded-For from a peer that is not one of the proxies', async () => {
      expect(await recordedAddress(running, '192.0.2.44', '198.51.100.9')).toBe('192.0.2.44');
    });
  });
});
