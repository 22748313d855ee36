/** One answer with how long it took; `body` is the parsed JSON when there is any. */
export interface TimedResponse {
  status: number;
  body: any;
  ms: number;
}

/**
 * `fetch` with a hard deadline, so a hanging request fails the test with a message instead of
 * running into Jest's timeout, and with the time it took.
 */
export async function timedFetch(url: string, init: RequestInit & { json?: unknown; token?: string; deadlineMs?: number } = {}): Promise<TimedResponse> {
  const { json, token, deadlineMs = 10_000, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set('content-type', 'application/json');
  if (token) headers.set('authorization', `Bearer ${token}`);
  const started = performance.now();
  const response = await fetch(url, {
    ...rest,
    headers,
    body: json === undefined ? rest.body : JSON.stringify(json),
    signal: AbortSignal.timeout(deadlineMs),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, ms: performance.now() - started };
}

/** The contract's 503: the envelope with `SERVICE_UNAVAILABLE` and no internals. */
export const SERVICE_UNAVAILABLE_ENVELOPE = {
  statusCode: 503,
  error: 'Service Unavailable',
  code: 'SERVICE_UNAVAILABLE',
  message: expect.any(String),
  requestId: expect.any(String),
};
