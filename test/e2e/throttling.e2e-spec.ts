import { useTestApp } from '../support/use-test-app.js';

describe('global rate limit', () => {
  const app = useTestApp({ env: { THROTTLE_LIMIT: '3' } });

  it('counts down in the headers and answers 429 with retry-after past the limit', async () => {
    // A unique client address, so other suites sharing Redis don't share this budget.
    const remoteAddress = `127.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
    const hit = () => app.running.app.inject({ method: 'GET', url: '/metrics', remoteAddress });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await hit());

    expect(answers.slice(0, 3).map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.headers['x-ratelimit-limit'])).toEqual(['3', '3', '3', '3']);
    expect(answers.map((a) => a.headers['x-ratelimit-remaining'])).toEqual(['2', '1', '0', '0']);
    expect(Number(answers[0].headers['x-ratelimit-reset'])).toBeGreaterThan(0);

    const limited = answers[3];
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', error: 'Too Many Requests' });
  });

  it('never throttles the health checks', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => app.running.app.inject({ method: 'GET', url: '/health/live' })));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
  });
});
