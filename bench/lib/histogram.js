// A fixed-resolution latency histogram: 0.1 ms buckets up to 10 s (the last bucket takes the rest).
// Cheap enough to record every delivery on every socket, and it merges across processes.
const RESOLUTION_MS = 0.1;
const BUCKETS = 100_000;

export class Histogram {
  constructor(counts) {
    this.counts = counts ? Uint32Array.from(counts) : new Uint32Array(BUCKETS);
    this.total = this.counts.reduce((sum, count) => sum + count, 0);
  }

  record(ms) {
    const bucket = Math.min(BUCKETS - 1, Math.max(0, Math.floor(ms / RESOLUTION_MS)));
    this.counts[bucket]++;
    this.total++;
  }

  merge(other) {
    for (let index = 0; index < BUCKETS; index++) this.counts[index] += other.counts[index];
    this.total += other.total;
    return this;
  }

  /** The latency (ms, upper edge of the bucket) under which `p` % of the samples fall. */
  percentile(p) {
    if (!this.total) return NaN;
    const wanted = Math.ceil((p / 100) * this.total);
    let seen = 0;
    for (let index = 0; index < BUCKETS; index++) {
      seen += this.counts[index];
      if (seen >= wanted) return (index + 1) * RESOLUTION_MS;
    }
    return BUCKETS * RESOLUTION_MS;
  }

  /** Sparse form for IPC and JSON: [[bucket, count], ...]. */
  toSparse() {
    const sparse = [];
    for (let index = 0; index < BUCKETS; index++) if (this.counts[index]) sparse.push([index, this.counts[index]]);
    return sparse;
  }

  static fromSparse(sparse) {
    const histogram = new Histogram();
    for (const [bucket, count] of sparse) histogram.counts[bucket] += count;
    histogram.total = sparse.reduce((sum, [, count]) => sum + count, 0);
    return histogram;
  }

  summary() {
    return {
      count: this.total,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.percentile(100),
    };
  }
}

export const HISTOGRAM_RESOLUTION_MS = RESOLUTION_MS;
