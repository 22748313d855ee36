import createClient, { type Client } from 'openapi-fetch';
import { ChatError, errorFromResponse } from './errors.js';
import type { paths } from './generated/openapi.js';
import type { TokenStore } from './tokens.js';

/** The typed REST client: openapi-fetch over the paths of the served OpenAPI document. */
export type RestClient = Client<paths>;

/** Routes that take no access token. */
const PUBLIC = /\/api\/v1\/auth\/(signup|login|refresh)$/;

/**
 * openapi-fetch with the access token on every call and, on a 401, one refresh (across tabs) and one retry.
 * A network failure is a {@link ChatError} `NETWORK`.
 */
export function createRestClient(baseUrl: string, tokens: TokenStore, fetchImpl: typeof fetch = (...args) => globalThis.fetch(...args)): RestClient {
  const send = async (request: Request): Promise<Response> => {
    try {
      return await fetchImpl(request);
    } catch (error) {
      throw new ChatError('NETWORK', `network: ${String(error)}`);
    }
  };
  const authorized = async (input: Request): Promise<Response> => {
    if (PUBLIC.test(new URL(input.url).pathname)) return send(input);
    const retry = input.clone();
    const used = await tokens.fresh();
    input.headers.set('authorization', `Bearer ${used.accessToken}`);
    const response = await send(input);
    if (response.status !== 401) return response;
    const fresh = await tokens.refresh(used.refreshToken);
    retry.headers.set('authorization', `Bearer ${fresh.accessToken}`);
    return send(retry);
  };
  return createClient<paths>({ baseUrl, fetch: authorized });
}

interface Result {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/**
 * The data of an openapi-fetch call, or its error thrown as a {@link ChatError} (narrow by `code`):
 * `const me = await ok(chat.api.GET('/api/v1/users/me'))`.
 */
export async function ok<R extends Result>(call: Promise<R>): Promise<Exclude<R['data'], undefined>> {
  const result = await call;
  if (!result.response.ok) throw errorFromResponse(result.response, result.error);
  return result.data as Exclude<R['data'], undefined>;
}
