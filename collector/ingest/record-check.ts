// Decides whether a Kafka record can be inserted. A record holds one or more rows of one format,
// one JSON object per line (see collector/receiver/partition-batches.ts). A record that cannot be
// inserted (unknown format, a line that is not a JSON object) goes to the dead-letter topic whole,
// with the reason, instead of blocking its partition.
import type { Signal } from '../signals/signal.ts';

export type RecordVerdict =
  | { readonly ok: true; readonly format: string; readonly lines: readonly string[] }
  | { readonly ok: false; readonly reason: 'format' | 'decode' };

function isJsonObjectLine(line: string): boolean {
  if (line.length < 2 || line.charCodeAt(0) !== 0x7b /* { */) return false;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

export function checkRecord(signal: Signal, value: Buffer | null, format: string | undefined): RecordVerdict {
  if (format === undefined || !signal.tables.has(format)) return { ok: false, reason: 'format' };
  if (value === null || value.length === 0) return { ok: false, reason: 'decode' };
  const lines = value.toString('utf8').split('\n');
  // Parsing every line costs ingester CPU, but a line ClickHouse cannot parse would fail its whole
  // batch forever; caught here it costs one dead letter instead.
  if (!lines.every(isJsonObjectLine)) return { ok: false, reason: 'decode' };
  return { ok: true, format, lines };
}
