// Follows the configured log files and ships their lines to Cairn as OTLP logs. A file's position
// is saved only after the collector acknowledged every line before it, and a graceful stop ends
// after the batch in flight, so a restart neither skips nor repeats a line; after a crash at most
// the batch that was acknowledged but not yet saved is sent again. Nothing is read ahead of
// delivery: memory stays at one batch, however far behind the shipper is.
import { hostname } from 'node:os';
import { basename } from 'node:path';
import type { Logger } from '../../common/runtime/logger.ts';
import { sleep } from '../../common/runtime/retry.ts';
import { deliver } from './delivery.ts';
import type { DeliveryContext } from './delivery.ts';
import { expandFiles } from './file-set.ts';
import { FileTail } from './file-tail.ts';
import type { TailLine } from './file-tail.ts';
import { parseLine } from './line-parser.ts';
import type { OtlpLogRecord } from './line-parser.ts';
import type { OffsetStore } from './offset-store.ts';
import type { ShipperConfig } from './shipper-config.ts';
import type { ShipperMetrics } from './shipper-metrics.ts';

/** Patterns are matched again this often, so new files are followed soon after they appear. */
const DISCOVERY_MS = 1000;

export class LogShipper {
  private readonly tails = new Map<string, FileTail>();
  private discoveredAt = -Infinity;
  /** Lines acknowledged by the collector since start (dropped ones included). */
  shippedLines = 0;

  constructor(
    private readonly config: ShipperConfig,
    private readonly delivery: DeliveryContext,
    private readonly offsets: OffsetStore,
    private readonly metrics: ShipperMetrics,
    private readonly log: Logger,
  ) {}

  /** Runs until the delivery context's stop signal; saved positions are then final. */
  async run(): Promise<void> {
    const stop = this.delivery.stop;
    try {
      while (!stop.aborted) {
        this.discover();
        let shipped = 0;
        for (const tail of this.tails.values()) {
          // -1: stopped (delivery checks the signal before every attempt).
          const n = await this.shipBatch(tail);
          if (n < 0) break;
          shipped += n;
        }
        this.metrics.backlogBytes.set(this.backlog());
        if (shipped === 0) await sleep(this.config.pollMs, stop);
      }
    } finally {
      for (const t of this.tails.values()) t.close();
    }
  }

  private discover(): void {
    if (performance.now() - this.discoveredAt < DISCOVERY_MS) return;
    this.discoveredAt = performance.now();
    for (const path of expandFiles(this.config.files)) {
      if (this.tails.has(path)) continue;
      this.tails.set(path, new FileTail(path, this.offsets.get(path), { rotateWaitMs: this.config.rotateWaitMs }));
      this.log.info({ path, resumeAt: this.offsets.get(path) ?? 'start' }, 'following');
    }
    this.metrics.files.set(this.tails.size);
  }

  private backlog(): number {
    let bytes = 0;
    for (const t of this.tails.values()) {
      try {
        bytes += t.backlogBytes();
      } catch {
        // A file rotated away between two calls: counted at the next pass.
      }
    }
    return bytes;
  }

  /** Lines shipped from one file (0: nothing new), or -1 when stopped before they were acknowledged. */
  private async shipBatch(tail: FileTail): Promise<number> {
    let lines: TailLine[];
    try {
      lines = tail.read(this.config.batchLines);
    } catch (err) {
      // Unreadable now (permissions, a race with rotation): tried again at the next poll.
      this.log.warn({ err, path: tail.path }, 'cannot read the file; retrying');
      return 0;
    }
    const last = lines.at(-1);
    if (last === undefined) return 0;
    const observed = BigInt(Date.now()) * 1_000_000n;
    const fileAttributes = [
      { key: 'log.file.path', value: { stringValue: tail.path } },
      { key: 'log.file.name', value: { stringValue: basename(tail.path) } },
    ];
    const records = lines.map((l) => {
      const r = parseLine(l.text, this.config.format, observed);
      r.attributes.push(...fileAttributes);
      return r;
    });
    const result = await deliver(this.delivery, '/v1/logs', records, (batch) => this.encode(batch));
    if (!result.done) return -1;
    this.offsets.save(new Map([[tail.path, last.after]]));
    this.shippedLines += lines.length;
    this.metrics.lines.inc({ outcome: 'shipped' }, lines.length - result.dropped);
    if (result.dropped > 0) this.metrics.lines.inc({ outcome: 'dropped' }, result.dropped);
    return lines.length;
  }

  private encode(records: readonly OtlpLogRecord[]): string {
    return JSON.stringify({
      resourceLogs: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: this.config.serviceName } },
              { key: 'host.name', value: { stringValue: hostname() } },
            ],
          },
          scopeLogs: [{ scope: { name: 'cairn-shipper' }, logRecords: records }],
        },
      ],
    });
  }
}
