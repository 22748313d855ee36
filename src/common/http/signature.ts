import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `x-chat-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` — the timestamp is signed
 * with the body, so a receiver that refuses old timestamps refuses replays of a captured request. The
 * push relay's requests are signed the same way.
 */
export function signatureHeader(secret: string, body: string, now: Date = new Date()): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does (the README shows the same in a snippet): recompute the HMAC over the raw body,
 * compare in constant time, and refuse a timestamp older than `toleranceSeconds`.
 */
export function verifySignature(secret: string, body: string, header: string, { toleranceSeconds = 300, now = new Date() } = {}): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
