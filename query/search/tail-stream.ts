// The live tail as an NDJSON stream (application/x-ndjson): one JSON object per line, each with a
// `type`:
//   {"type":"start","fromTimeUnixNano":"..."}        at once, when the tail is running
//   {"type":"log","log":{...}}                         a new matching line (oldest first per poll)
//   {"type":"gap","message":"..."}                     a poll hit the per-poll cap; lines may be skipped
//   {"type":"heartbeat"}                               every HEARTBEAT_MS without lines
//   {"type":"end","reason":"...","stats":{...}}        last line: maxDuration or error (with error)
// It polls every intervalMs, ends after maxDurationS, and stops (its ClickHouse query killed)
// when the client disconnects. NDJSON rather than SSE: any HTTP client reads it line by line, and
// there is no reconnect protocol to honour (a reconnecting client passes start= instead).
import { once } from 'node:events';
import type { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../common/runtime/logger.ts';
import { ApiError } from '../errors.ts';
import type { RouteContext } from '../route-context.ts';
import type { ReadLimits } from '../storage/read-limits.ts';
import { mapReadError } from '../storage/storage-errors.ts';
import type { RegexUse } from '../filters/filter-compile.ts';
import { StorageWork } from '../storage/storage-work.ts';
import type { LogTail } from './log-tail.ts';
import { TAIL_MAX_LINES_PER_POLL } from './log-tail.ts';

export const HEARTBEAT_MS = 15_000;

export interface TailRun {
  readonly ctx: RouteContext;
  readonly limits: ReadLimits;
  readonly regexes: readonly RegexUse[];
  readonly tail: LogTail;
  readonly out: PassThrough;
  /** Aborts when the client disconnects (or the stream's own deadline passes). */
  readonly signal: AbortSignal;
  readonly intervalMs: number;
  readonly maxDurationMs: number;
  readonly log: Logger;
}

async function write(out: PassThrough, signal: AbortSignal, value: unknown): Promise<boolean> {
  if (out.destroyed || signal.aborted) return false;
  if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain', { signal });
  return true;
}

/** Runs the tail until its duration ends, the client leaves or storage fails; never throws. */
export async function runTail(r: TailRun): Promise<void> {
  const started = Date.now();
  const stats = { rowsRead: 0, bytesRead: 0 };
  let reason = 'maxDuration';
  let failure: { code: string; message: string } | undefined;
  let lastWrite = started;
  try {
    await write(r.out, r.signal, { type: 'start', fromTimeUnixNano: r.tail.windowStartNs.toString() });
    while (!r.signal.aborted && Date.now() - started < r.maxDurationMs) {
      const signal = AbortSignal.any([r.signal, AbortSignal.timeout(r.ctx.timeoutMs)]);
      const reader = new StorageWork(r.ctx.clickhouse, signal, r.ctx.timeoutMs, r.limits);
      try {
        const poll = await r.tail.poll(reader, Date.now());
        for (const log of poll.lines) await write(r.out, r.signal, { type: 'log', log });
        if (poll.gap) {
          await write(r.out, r.signal, { type: 'gap', message: `more than ${TAIL_MAX_LINES_PER_POLL} lines matched in one poll; older ones were skipped` });
        }
        if (poll.lines.length > 0 || poll.gap) lastWrite = Date.now();
      } catch (err) {
        throw await mapReadError(err, { ch: r.ctx.clickhouse, signal, timeoutMs: r.ctx.timeoutMs, limits: r.limits, regexes: r.regexes });
      } finally {
        const polled = reader.stats();
        stats.rowsRead += polled.rowsRead;
        stats.bytesRead += polled.bytesRead;
      }
      if (Date.now() - lastWrite >= HEARTBEAT_MS) {
        await write(r.out, r.signal, { type: 'heartbeat' });
        lastWrite = Date.now();
      }
      const left = r.maxDurationMs - (Date.now() - started);
      if (left <= 0) break;
      await sleep(Math.min(r.intervalMs, left), undefined, { signal: r.signal });
    }
  } catch (err) {
    if (!r.signal.aborted) {
      reason = 'error';
      const api = err instanceof ApiError ? err : new ApiError('INTERNAL', 'internal error', undefined, { cause: err });
      if (api.statusCode >= 500) r.log.error({ err: api.cause ?? api }, 'log tail failed');
      failure = { code: api.code, message: api.code === 'INTERNAL' ? 'internal error' : api.message };
    }
  }
  if (r.signal.aborted || r.out.destroyed) {
    r.out.destroy();
    return;
  }
  r.out.end(`${JSON.stringify({ type: 'end', reason, ...(failure === undefined ? {} : { error: failure }), stats: { ...stats, elapsedMs: Date.now() - started } })}\n`);
}
