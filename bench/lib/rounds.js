// How a scenario runs its rounds and turns them into metrics: A B B A A B rounds, medians, ratios.
import { QUICK, abbaOrder, log, median } from './common.js';

export const SECONDS = QUICK ? 1.5 : 5;
export const WARMUP_SECONDS = QUICK ? 1 : 3;
export const HTTP_CONNECTIONS = 10;

/** Runs `a` and `b` in A B B A A B order; answers each side's results in order. */
export async function abba(label, a, b) {
  const results = { A: [], B: [] };
  const order = abbaOrder();
  for (const [index, side] of order.entries()) {
    const result = await (side === 'A' ? a() : b());
    results[side].push(result);
    log(`  ${label} round ${index + 1}/${order.length} ${side === 'A' ? 'candidate' : 'baseline '}: ${summarize(result)}`);
  }
  return results;
}

export function summarize(result) {
  return Object.entries(result)
    .filter(([, value]) => typeof value === 'number')
    .map(([key, value]) => `${key}=${value >= 100 ? Math.round(value) : Number(value.toFixed(2))}`)
    .join(' ');
}

export const med = (list, key) => median(list.map((item) => item[key]));

/** A metric where more is better (throughput): ratio = candidate ÷ baseline ≥ min. */
export function higher(label, unit, candidate, baseline, min) {
  const ratio = candidate / baseline;
  return {
    label,
    unit,
    candidate,
    baseline,
    ratio,
    target: min === undefined ? undefined : `≥ ${min.toFixed(2)}×`,
    met: min === undefined ? undefined : ratio >= min,
  };
}

/** A metric where less is better (latency, memory): ratio = candidate ÷ baseline ≤ max. */
export function lower(label, unit, candidate, baseline, max) {
  const ratio = candidate / baseline;
  return {
    label,
    unit,
    candidate,
    baseline,
    ratio,
    target: max === undefined ? undefined : `≤ ${max.toFixed(2)}×`,
    met: max === undefined ? undefined : ratio <= max,
  };
}

export const bearer = (token) => ({ authorization: `Bearer ${token}` });

/** Runs `fn` once for the warm-up duration, its result thrown away. */
export async function warm(fn) {
  await fn(WARMUP_SECONDS);
}

/** Rounds without their histograms, for the results file. */
export const strip = (rounds) => ({ A: rounds.A.map(({ latency, ...rest }) => rest), B: rounds.B.map(({ latency, ...rest }) => rest) });
