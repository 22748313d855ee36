import { isIP } from 'node:net';
import { ConfigError } from './env-readers.js';

/**
 * Which `X-Forwarded-For` entries to believe. Each proxy appends the address it got the request from,
 * so only the right-most entries, added by your own proxies, are facts; everything to their left is
 * whatever the client wrote.
 * - `false`: none; the client is the TCP peer.
 * - `{ hops: n }`: the n right-most entries are your proxies'; the client is the entry just left of them.
 *   Only safe when nothing can reach the server except through those n proxies.
 * - `{ addresses }`: a hop is believed only when it comes from one of these addresses or ranges
 *   (`10.0.0.0/8`, `127.0.0.1`, `loopback`, `linklocal`, `uniquelocal`); the client is the first
 *   address, from the right, that is not one of them.
 */
export type TrustProxy = false | { hops: number } | { addresses: string[] };

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_HOPS = 10;

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

export function readTrustProxy(env: NodeJS.ProcessEnv): TrustProxy {
  const text = env.TRUST_PROXY?.trim().toLowerCase();
  if (!text || text === 'false' || text === '0') return false;
  if (text === 'true') {
    throw new ConfigError(
      'TRUST_PROXY',
      'no longer accepts true: it believed every X-Forwarded-For entry, so any client could choose its own address. Give the number of proxies in front of the server (1 behind one nginx or load balancer) or their addresses (10.0.0.0/8,127.0.0.1)',
    );
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > MAX_HOPS) throw new ConfigError('TRUST_PROXY', `must be at most ${MAX_HOPS} proxies (got ${hops})`);
    return { hops };
  }
  const addresses = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const wrong = addresses.find((entry) => !isAddressOrRange(entry));
  if (wrong !== undefined) {
    throw new ConfigError(
      'TRUST_PROXY',
      `must be false, a number of proxies, or their addresses and ranges (10.0.0.0/8,127.0.0.1); "${wrong}" is none of these`,
    );
  }
  return { addresses };
}
