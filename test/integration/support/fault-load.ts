// Steady, numbered OTLP/JSON load for the fault suite. Every request is one trace of N spans; span
// `seq` (also an attribute) numbers the items so loss and duplication can be counted exactly.
// A request that is not acknowledged is NOT retried: "acknowledged" then means exactly the spans
// the receiver answered 200 for, and any physical duplicate in storage can only come from Cairn
// itself (Kafka producer retries, ingester replays), never from the client.
import { randomBytes } from 'node:crypto';

export interface LoadOptions {
  readonly otlpUrl: string;
  /** Stored as service.name, so a scenario's rows are found by `service_name`. */
  readonly scenario: string;
  readonly requestsPerSecond: number;
  readonly spansPerRequest: number;
  /** Client-side timeout; a request past it counts as not acknowledged. */
  readonly requestTimeoutMs: number;
}

export interface RequestRecord {
  /** seq of the first span; the request holds [firstSeq, firstSeq + spans). */
  readonly firstSeq: number;
  readonly spans: number;
  readonly sentAt: number;
  settledAt: number;
  /** HTTP status, 0 for a network error or client timeout, -1 while in flight. */
  status: number;
  /** partialSuccess.rejectedSpans of a 200 answer (always 0 for these well-formed spans). */
  rejected: number;
}

export class LoadDriver {
  private readonly prefix = randomBytes(4).toString('hex');
  private readonly records: RequestRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private nextSeq = 0;

  constructor(private readonly opts: LoadOptions) {}

  /** Span id of item `seq`: unique per driver (random prefix) and reversible. */
  spanId(seq: number): string {
    return `${this.prefix}${seq.toString(16).padStart(8, '0')}`;
  }

  /** Starts (or resumes) sending at the configured pace. */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      this.fire();
    }, 1000 / this.opts.requestsPerSecond);
  }

  /** Stops sending and waits until every request in flight has its answer. */
  async pause(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  get all(): readonly RequestRecord[] {
    return this.records;
  }

  /** Spans answered 200 so far. */
  acknowledgedCount(): number {
    return this.records.reduce((n, r) => n + (r.status === 200 ? r.spans : 0), 0);
  }

  private fire(): void {
    const record: RequestRecord = { firstSeq: this.nextSeq, spans: this.opts.spansPerRequest, sentAt: Date.now(), settledAt: 0, status: -1, rejected: 0 };
    this.nextSeq += record.spans;
    this.records.push(record);
    const p = this.send(record).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async send(record: RequestRecord): Promise<void> {
    try {
      const res = await fetch(`${this.opts.otlpUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(this.body(record)),
        signal: AbortSignal.timeout(this.opts.requestTimeoutMs),
      });
      const text = await res.text();
      if (res.status === 200 && text.includes('partialSuccess')) {
        const parsed = JSON.parse(text) as { partialSuccess?: { rejectedSpans?: string } };
        record.rejected = Number(parsed.partialSuccess?.rejectedSpans ?? 0);
      }
      record.status = res.status;
    } catch {
      record.status = 0;
    } finally {
      record.settledAt = Date.now();
    }
  }

  private body(record: RequestRecord): Record<string, unknown> {
    const traceId = randomBytes(16).toString('hex');
    const startNs = BigInt(record.sentAt) * 1_000_000n;
    const root = this.spanId(record.firstSeq);
    const spans = Array.from({ length: record.spans }, (_, i) => {
      const seq = record.firstSeq + i;
      const at = startNs + BigInt(i) * 1_000_000n;
      return {
        traceId,
        spanId: this.spanId(seq),
        parentSpanId: i === 0 ? '' : root,
        name: `item-${i}`,
        kind: 2,
        startTimeUnixNano: String(at),
        endTimeUnixNano: String(at + 500_000n),
        attributes: [{ key: 'seq', value: { intValue: String(seq) } }],
      };
    });
    return {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: this.opts.scenario } }] },
          scopeSpans: [{ scope: { name: 'cairn-fault-suite', version: '1' }, spans }],
        },
      ],
    };
  }
}
