// Decides whether a Kafka record can be inserted. A record that cannot (unknown format, not a
// JSON object) goes to the dead-letter topic with the reason instead of blocking its partition.
import type { Signal } from '../signals/signal.ts';

export type RecordVerdict =
  | { readonly ok: true; readonly format: string; readonly line: string }
  | { readonly ok: false; readonly reason: 'format' | 'decode' };

export function checkRecord(signal: Signal, value: Buffer | null, format: string | undefined): RecordVerdict {
  if (format === undefined || !signal.tables.has(format)) return { ok: false, reason: 'format' };
  if (value === null || value.length === 0) return { ok: false, reason: 'decode' };
  const row = value.toString('utf8');
  try {
    const parsed: unknown = JSON.parse(row);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, reason: 'decode' };
  } catch {
    return { ok: false, reason: 'decode' };
  }
  // Rows must be single lines: the batch body is newline-separated.
  if (row.includes('\n')) return { ok: false, reason: 'decode' };
  return { ok: true, format, line: row };
}
