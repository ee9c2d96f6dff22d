// Decides whether a Kafka record can be inserted. A record that cannot (unknown format, not a
// JSON object) goes to the dead-letter topic with the reason instead of blocking its partition.
import { SPAN_ROW_FORMAT } from '../../common/clickhouse/span-row.ts';

export type RecordVerdict = { readonly ok: true; readonly row: string } | { readonly ok: false; readonly reason: 'format' | 'decode' };

export function checkSpanRecord(value: Buffer | null, format: string | undefined): RecordVerdict {
  if (format !== SPAN_ROW_FORMAT) return { ok: false, reason: 'format' };
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
  return { ok: true, row };
}
