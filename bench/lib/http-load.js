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
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    statusCodes: result.statusCodeStats,
  };
}
