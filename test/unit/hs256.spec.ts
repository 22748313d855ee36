import { createHmac, createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { verifyHs256 } from '../../src/auth/hs256.js';

const SECRET = 'a-secret-that-is-long-enough-for-hs256-0123456789';
const key = createSecretKey(Buffer.from(SECRET, 'utf8'));
const NOW = 1_800_000_000;
const claims = { sub: '6f1c2d4e-0000-4000-8000-000000000001', role: 'user', sid: '6f1c2d4e-0000-4000-8000-000000000002' };

const segment = (part: unknown) => Buffer.from(typeof part === 'string' ? part : JSON.stringify(part)).toString('base64url');
/** Signs whatever header and payload it is given, as an attacker holding (or guessing) a secret would. */
function forge(header: unknown, payload: unknown, secret = SECRET, hash = 'sha256'): string {
  const unsigned = `${segment(header)}.${segment(payload)}`;
  return `${unsigned}.${createHmac(hash, secret).update(unsigned).digest('base64url')}`;
}
const issued = () => jwt.sign(claims, key, { algorithm: 'HS256', expiresIn: 900 });

describe('verifyHs256', () => {
  it('accepts what jsonwebtoken signs, claims and all', () => {
    const token = jwt.sign({ ...claims, iat: NOW, exp: NOW + 900 }, key, { algorithm: 'HS256' });
    expect(verifyHs256(token, key, NOW)).toEqual({ ...claims, iat: NOW, exp: NOW + 900 });
  });

  it('accepts a header without typ, and a not-before that has been reached', () => {
    expect(verifyHs256(forge({ alg: 'HS256' }, { ...claims, exp: NOW + 1, nbf: NOW }), key, NOW)).toMatchObject(claims);
  });

  it('agrees with jsonwebtoken on a token signed now', () => {
    const token = issued();
    expect(verifyHs256(token, key, Math.floor(Date.now() / 1000))).toEqual(jwt.verify(token, key, { algorithms: ['HS256'] }));
  });

  const valid = { ...claims, exp: NOW + 60 };
  const good = forge({ alg: 'HS256', typ: 'JWT' }, valid);
  const [header, payload, signature] = good.split('.');

  it.each([
    ['another secret', forge({ alg: 'HS256', typ: 'JWT' }, valid, 'another-secret-that-is-long-enough-0123456789')],
    ['alg none, no signature', `${segment({ alg: 'none' })}.${segment(valid)}.`],
    ['alg none, signed anyway', forge({ alg: 'none' }, valid)],
    ['alg HS512 with the same secret', forge({ alg: 'HS512', typ: 'JWT' }, valid, SECRET, 'sha512')],
    ['alg RS256 over an HS256 signature', forge({ alg: 'RS256', typ: 'JWT' }, valid)],
    ['no alg at all', forge({ typ: 'JWT' }, valid)],
    ['a tampered payload', `${header}.${segment({ ...valid, role: 'admin' })}.${signature}`],
    ['a tampered header', `${segment({ alg: 'HS256', typ: 'JWT', kid: 'x' })}.${payload}.${signature}`],
    ['a truncated signature', `${header}.${payload}.${signature.slice(0, -1)}`],
    ['a signature with a character flipped', `${header}.${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`],
    ['a padded signature', `${good}=`],
    ['a fourth segment', `${good}.e30`],
    ['whitespace inside', `${header}.${payload} .${signature}`],
    ['base64 (not base64url) characters', `${header}.${payload}+.${signature}`],
    ['expiry reached', forge({ alg: 'HS256' }, { ...claims, exp: NOW })],
    ['no expiry', forge({ alg: 'HS256' }, claims)],
    ['an expiry that is a string', forge({ alg: 'HS256' }, { ...claims, exp: String(NOW + 60) })],
    ['a not-before in the future', forge({ alg: 'HS256' }, { ...valid, nbf: NOW + 1 })],
    ['a not-before that is not a number', forge({ alg: 'HS256' }, { ...valid, nbf: 'now' })],
    ['a payload that is an array', forge({ alg: 'HS256' }, [valid])],
    ['a payload that is not JSON', forge({ alg: 'HS256' }, 'not json')],
    ['a header that is not JSON', forge('{"alg":"HS256"', valid)],
    ['an empty string', ''],
    ['two segments', `${header}.${payload}`],
  ])('refuses %s', (_what, token) => {
    expect(verifyHs256(token, key, NOW)).toBeNull();
  });

  it('refuses a header of null and a payload of null', () => {
    expect(verifyHs256(forge(null, valid), key, NOW)).toBeNull();
    expect(verifyHs256(forge({ alg: 'HS256' }, null), key, NOW)).toBeNull();
  });
});
