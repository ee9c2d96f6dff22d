// The series fingerprint: a stable unsigned 64-bit id for (tenant, metric name, metric type,
// resource attributes, point attributes), the first 8 bytes of a SHA-256 over a canonical text.
// Attribute order does not matter (lists are sorted by key, then by typed value); attribute types
// do (int 1 and string "1" are different series). Nested kvlists keep their sent order.
import { createHash } from 'node:crypto';
import { encodeValue } from '../../common/clickhouse/attribute-encoding.ts';
import type { MetricType } from '../../common/model/metric.ts';
import type { Attribute } from '../../common/model/span.ts';

type Entry = [key: string, type: number, text: string];

function compare(a: Entry, b: Entry): number {
  for (const i of [0, 1, 2] as const) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

/** The attribute list as canonical JSON: [[key, type, text], ...] sorted. */
export function canonicalAttributes(attributes: readonly Attribute[]): string {
  const entries = attributes.map((a): Entry => [a.key, ...encodeValue(a.value)]);
  return JSON.stringify(entries.sort(compare));
}

/**
 * `resourceCanonical` is canonicalAttributes(resource attributes), computed once per resource by
 * the decoders since every point of the resource shares it.
 */
export function seriesFingerprint(
  tenant: string,
  metricName: string,
  metricType: MetricType,
  resourceCanonical: string,
  attributes: readonly Attribute[],
): bigint {
  // JSON strings cannot contain a raw newline, so the separator keeps the fields apart.
  const text = `${JSON.stringify([tenant, metricName, metricType])}\n${resourceCanonical}\n${canonicalAttributes(attributes)}`;
  return createHash('sha256').update(text, 'utf8').digest().readBigUInt64BE(0);
}
