// Where the milliseconds between a send's commit and the sockets go: the candidate's own
// `chat_event_delivery_stage_seconds` histogram (src/events/event-log.metrics.ts), scraped from /metrics
// before and after some rounds, and read as per-stage percentiles of the difference.

const SERIES = /^chat_event_delivery_stage_seconds_bucket\{(?=[^}]*stage="([^"]+)")(?=[^}]*le="([^"]+)")[^}]*\} (\S+)$/;

/** { stage: [[le, cumulative count], ...] } as the server has counted so far. */
export async function scrapeStages(url) {
  const response = await fetch(`${url}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  const stages = {};
  for (const line of (await response.text()).split('\n')) {
    const match = SERIES.exec(line);
    if (!match) continue;
    const [, stage, le, count] = match;
    (stages[stage] ??= []).push([le === '+Inf' ? Infinity : Number(le), Number(count)]);
  }
  return stages;
}

/** The percentile `p` (0–100) of cumulative buckets, interpolated linearly inside its bucket, in ms. */
function percentile(buckets, p) {
  const total = buckets[buckets.length - 1][1];
  if (!total) return null;
  const wanted = (p / 100) * total;
  let lowerBound = 0;
  let below = 0;
  for (const [le, count] of buckets) {
    if (count >= wanted) {
      if (le === Infinity) return lowerBound * 1000;
      const share = count === below ? 0 : (wanted - below) / (count - below);
      return (lowerBound + share * (le - lowerBound)) * 1000;
    }
    lowerBound = le;
    below = count;
  }
  return null;
}

/** Each stage's events, p50 and p99 (ms, bucket-interpolated) between two scrapes. */
export function stagesBetween(before, after) {
  const result = {};
  for (const [stage, buckets] of Object.entries(after)) {
    const earlier = new Map((before[stage] ?? []).map(([le, count]) => [le, count]));
    const delta = buckets.map(([le, count]) => [le, count - (earlier.get(le) ?? 0)]);
    const events = delta[delta.length - 1][1];
    result[stage] = { events, p50: percentile(delta, 50), p99: percentile(delta, 99) };
  }
  return result;
}

export function describeStages(stages) {
  return Object.entries(stages)
    .map(([stage, { events, p50, p99 }]) => `${stage} n=${events} p50=${p50?.toFixed(1)} p99=${p99?.toFixed(1)}`)
    .join(' · ');
}
