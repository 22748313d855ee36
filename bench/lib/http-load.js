// HTTP load with autocannon, in this (load-core) process.
import autocannon from 'autocannon';

/**
 * Runs autocannon and answers the figures the report uses. `requests` as autocannon takes them;
 * `overallRate` paces the load (then latency is corrected for coordinated omission by autocannon).
 */
export async function httpLoad({ url, durationSeconds, connections = 10, method = 'GET', headers = {}, body, requests, setupClient, overallRate }) {
  const result = await autocannon({
    url,
    method,
    headers,
    body,
    requests,
    setupClient,
    connections,
    duration: durationSeconds,
    overallRate,
    timeout: 20,
  });
  const ok = result['2xx'];
  return {
    rps: ok / durationSeconds,
    /** Every answer, whatever its status: for loads whose expected answer is an error (scenario 12). */
    answeredPerSecond: result.requests.total / durationSeconds,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    statusCodes: result.statusCodeStats,
  };
}

/**
 * One request before a load, so a scenario that would only measure error answers (a 401, a 429, a
 * route that moved) stops with the answer instead of reporting its speed.
 */
export async function expectOk(url, headers = {}) {
  const answer = await fetch(url, { headers });
  if (!answer.ok) throw new Error(`GET ${url} answered ${answer.status}: ${(await answer.text()).slice(0, 300)}`);
  return answer.json();
}
