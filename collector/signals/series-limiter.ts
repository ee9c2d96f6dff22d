// Caps how many distinct series one metric of one tenant may have, so a label with unbounded
// values (a user id, a URL with ids) cannot flood storage. Points of series beyond the cap are
// refused and counted, never dropped silently. The count is per receiver process and restarts
// every window, so series that stopped reporting age out; N receivers admit up to N times the cap
// in the worst case (series are spread over receivers by the load balancer, not by key).

export interface SeriesLimiterOptions {
  /** Distinct series per (tenant, metric name) per window. */
  readonly maxSeriesPerMetric: number;
  /** Bound on all series tracked by this process; beyond it every new series is refused. */
  readonly maxTrackedSeries: number;
  readonly windowMs: number;
  readonly now?: () => number;
}

export class SeriesLimiter {
  private readonly now: () => number;
  private series = new Map<string, Set<bigint>>();
  private tracked = 0;
  private windowStart: number;

  constructor(private readonly opts: SeriesLimiterOptions) {
    this.now = opts.now ?? Date.now;
    this.windowStart = this.now();
  }

  /** True if a point of this series may be stored. */
  admit(tenant: string, metricName: string, fingerprint: bigint): boolean {
    if (this.now() - this.windowStart >= this.opts.windowMs) {
      this.series = new Map();
      this.tracked = 0;
      this.windowStart = this.now();
    }
    const key = `${tenant}\u0000${metricName}`;
    let known = this.series.get(key);
    if (known?.has(fingerprint) === true) return true;
    if (this.tracked >= this.opts.maxTrackedSeries) return false;
    if (known === undefined) {
      known = new Set();
      this.series.set(key, known);
    }
    if (known.size >= this.opts.maxSeriesPerMetric) return false;
    known.add(fingerprint);
    this.tracked++;
    return true;
  }
}
