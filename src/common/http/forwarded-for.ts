import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance } from 'fastify';
import type { TrustProxy } from '../../config/trust-proxy.js';

/** The longest text form of an IP address (IPv6 with an IPv4 tail). */
const MAX_ADDRESS_LENGTH = 45;
/** More hops than any real chain of proxies. */
const MAX_FORWARDED_ENTRIES = 32;

type TrustFunction = (address: string, hop: number) => boolean;

/**
 * `TRUST_PROXY` as Fastify takes it. A hop count is a function: Fastify's own number option trusts
 * nothing (it can't check the peer), while `hop < n` believes exactly the n right-most hops.
 */
export function fastifyTrustProxy(trust: TrustProxy): false | string | TrustFunction {
  if (!trust) return false;
  if ('hops' in trust) {
    const { hops } = trust;
    return (_address, hop) => hop < hops;
  }
  return trust.addresses.join(',');
}

/**
 * `X-Forwarded-For` reduced to what can be an answer: read from the right (the entries our proxies
 * appended), it keeps addresses up to the first entry that is not one, and drops that entry and
 * everything to its left. So `request.ip` — for rate limits, sessions and logs — is always a valid
 * address: a forwarded one, or the peer's when the forwarded one is junk, never a 65-character string
 * (a 500 when stored) or text a client chose.
 */
export function validForwardedFor(header: string): string | undefined {
  const entries = header.split(',').map((entry) => entry.trim());
  const kept: string[] = [];
  for (let index = entries.length - 1; index >= 0 && kept.length < MAX_FORWARDED_ENTRIES; index--) {
    const entry = entries[index];
    if (entry.length > MAX_ADDRESS_LENGTH || !isIP(entry)) break;
    kept.unshift(entry);
  }
  return kept.length ? kept.join(', ') : undefined;
}

function keepForwardedForValid(request: IncomingMessage) {
  const header = request.headers['x-forwarded-for'];
  if (header === undefined) return;
  const valid = validForwardedFor(Array.isArray(header) ? header.join(',') : header);
  if (valid === undefined) delete request.headers['x-forwarded-for'];
  else request.headers['x-forwarded-for'] = valid;
}

/**
 * With a trusted proxy, checks every request's `X-Forwarded-For` before anything reads it: `request.ip`
 * is computed from the header each time it is read, so this must be the first `onRequest` hook.
 */
export function validateForwardedFor(fastify: FastifyInstance, trust: TrustProxy): void {
  if (!trust) return;
  fastify.addHook('onRequest', (request, _reply, done) => {
    keepForwardedForValid(request.raw);
    done();
  });
}

/**
 * The client's address for a request Fastify never sees (the Socket.IO handshake), decided exactly as
 * `request.ip` is: the same `TRUST_PROXY`, the same validation of `X-Forwarded-For` first.
 */
export function clientAddressOf(request: IncomingMessage, trust: TrustProxy): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  if (!trust) return peer;
  keepForwardedForValid(request);
  return proxyAddr(request, fastifyTrustProxy(trust) as string | TrustFunction);
}
