// The rejected-data-point tally of the metrics decoders: RejectionTally's bounded list of reasons,
// with the summary worded for data points instead of spans.
import { RejectionTally } from './rejections.ts';

const REJECTED = ' rejected: ';

export class DataPointTally {
  private readonly inner = new RejectionTally();

  get count(): number {
    return this.inner.count;
  }

  /** Records `points` rejected data points at `where` (e.g. "resource 0 scope 1 metric 2 point 3"). */
  add(where: string, reason: string, points = 1): void {
    this.inner.add(where, reason, points);
  }

  /** '' when nothing was rejected, as OTLP partial success expects. */
  message(): string {
    const spans = this.inner.message();
    if (spans === '') return '';
    // RejectionTally words the count for spans; the reasons after it are signal-neutral.
    const reasons = spans.slice(spans.indexOf(REJECTED) + REJECTED.length);
    const noun = this.count === 1 ? 'data point' : 'data points';
    return `${this.count} ${noun}${REJECTED}${reasons}`;
  }
}
