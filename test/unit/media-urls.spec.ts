import { loadConfig } from '../../src/config/app-config.js';
import { ConfigError } from '../../src/config/env-readers.js';
import { MediaUrls } from '../../src/media/media-urls.js';

const ID = '3f8a1c2e-5b7d-4e9f-a1b2-c3d4e5f60718';
const CONVERSATION = '0b6f2d1e-8a3c-4b5d-9e7f-1a2b3c4d5e6f';
const env = { NODE_ENV: 'test', JWT_SECRET: 'a-test-secret-that-is-long-enough-0123456789' };
const urls = new MediaUrls(loadConfig(env));
const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);

/** The query of a signed URL, as the route reads it. */
function queryOf(url: string) {
  const parsed = new URL(url, 'http://api.test');
  const [, , , , id, , variant] = parsed.pathname.split('/');
  return { id, variant, query: Object.fromEntries(parsed.searchParams) as { expires: string; scope: string; signature: string } };
}

describe('signed media URLs', () => {
  it('signs a plain path into a URL bound to the id, the variant, the grant and an expiry within MEDIA_URL_TTL', () => {
    const url = urls.sign(`/api/v1/media/${ID}/thumbnail`, { kind: 'conversation', conversationId: CONVERSATION }, NOW);
    expect(url).toMatch(new RegExp(`^/api/v1/media/${ID}/signed/thumbnail\\?expires=\\d+&scope=c\\.${CONVERSATION}&signature=[\\w-]{43}$`));
    const { id, variant, query } = queryOf(url);
    expect(urls.verify(id, variant, query, NOW)).toEqual({ kind: 'conversation', conversationId: CONVERSATION });
    const left = Number(query.expires) - NOW / 1000;
    expect(left).toBeGreaterThanOrEqual(0.75 * 3600);
    expect(left).toBeLessThanOrEqual(3600);
  });

  it('gives the same URL all through a step of a quarter of the TTL (cacheable by <img>), a new one after', () => {
    const sign = (at: number) => urls.sign(`/api/v1/media/${ID}/content`, { kind: 'avatar' }, at);
    const stepStart = NOW - (NOW % (900 * 1000));
    expect(sign(stepStart)).toBe(sign(stepStart + 899_999));
    expect(sign(stepStart + 900_000)).not.toBe(sign(stepStart));
  });

  it('re-signs one of its own signed URLs (the event log keeps old ones)', () => {
    const old = urls.sign(`/api/v1/media/${ID}/content`, { kind: 'avatar' }, NOW - 86_400_000);
    const fresh = urls.sign(old, { kind: 'avatar' }, NOW);
    const { id, variant, query } = queryOf(fresh);
    expect(urls.verify(id, variant, query, NOW)).toEqual({ kind: 'avatar' });
    expect(urls.sign('https://elsewhere.test/x.png', { kind: 'avatar' }, NOW)).toBe('https://elsewhere.test/x.png');
  });

  it('answers 403 URL_EXPIRED for a good URL past its expiry', () => {
    const { id, variant, query } = queryOf(urls.sign(`/api/v1/media/${ID}/content`, { kind: 'viewer', userId: CONVERSATION }, NOW));
    expect(() => urls.verify(id, variant, query, Number(query.expires) * 1000)).toThrow(expect.objectContaining({ code: 'URL_EXPIRED' }));
  });

  it.each([
    ['another media id', (q: ReturnType<typeof queryOf>) => ({ ...q, id: CONVERSATION })],
    ['another variant', (q: ReturnType<typeof queryOf>) => ({ ...q, variant: 'thumbnail' })],
    ['an unknown variant', (q: ReturnType<typeof queryOf>) => ({ ...q, variant: 'original' })],
    ['a later expiry', (q: ReturnType<typeof queryOf>) => ({ ...q, query: { ...q.query, expires: String(Number(q.query.expires) + 3600) } })],
    ['another scope', (q: ReturnType<typeof queryOf>) => ({ ...q, query: { ...q.query, scope: 'a' } })],
    ['a changed signature', (q: ReturnType<typeof queryOf>) => ({ ...q, query: { ...q.query, signature: `${q.query.signature.slice(0, -1)}A` } })],
    ['no signature', (q: ReturnType<typeof queryOf>) => ({ ...q, query: { ...q.query, signature: '' } })],
  ])('answers 404 for %s, expired or not', (_name, tamper) => {
    const good = queryOf(urls.sign(`/api/v1/media/${ID}/content`, { kind: 'viewer', userId: CONVERSATION }, NOW));
    const bad = tamper(good);
    for (const at of [NOW, NOW + 86_400_000])
      expect(() => urls.verify(bad.id, bad.variant, bad.query, at)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('is keyed by MEDIA_URL_SECRET when set, else by a key derived from the JWT secret', () => {
    const url = urls.sign(`/api/v1/media/${ID}/content`, { kind: 'avatar' }, NOW);
    const otherJwt = new MediaUrls(loadConfig({ ...env, JWT_SECRET: 'another-secret-that-is-long-enough-0123456789' }));
    const own = new MediaUrls(loadConfig({ ...env, MEDIA_URL_SECRET: 'a-media-url-secret-that-is-long-enough-0123' }));
    expect(otherJwt.sign(url, { kind: 'avatar' }, NOW)).not.toBe(url);
    expect(own.sign(url, { kind: 'avatar' }, NOW)).not.toBe(url);
    expect(url).not.toContain(env.JWT_SECRET);
  });

  it('validates MEDIA_URL_TTL and MEDIA_URL_SECRET at start-up, naming the variable', () => {
    expect(loadConfig(env).media.urlTtlSeconds).toBe(3600);
    expect(loadConfig({ ...env, MEDIA_URL_TTL: '10m' }).media.urlTtlSeconds).toBe(600);
    for (const bad of ['30s', '8d', 'soon', '0']) expect(() => loadConfig({ ...env, MEDIA_URL_TTL: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, MEDIA_URL_TTL: '30s' })).toThrow(/MEDIA_URL_TTL/);
    expect(() => loadConfig({ ...env, MEDIA_URL_SECRET: 'short' })).toThrow(/MEDIA_URL_SECRET/);
  });
});
