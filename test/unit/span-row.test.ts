// The spans.v1 row encoding: one JSON line whose keys are the spans table's columns in order,
// byte-identical for the same span, and decoding what ClickHouse returns for it (64-bit integers as
// strings) gives back the span exactly, for generated spans with every attribute type.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeSpanRow, encodeSpanRow, SPAN_ROW_COLUMNS } from '../../common/clickhouse/span-row.ts';
import type { SpanRow } from '../../common/clickhouse/span-row.ts';
import { spansTable } from '../../common/clickhouse/tables/spans.ts';
import type { SpanEvent, SpanLink, SpanRecord } from '../../common/model/span.ts';
import { syntheticSpan } from '../support/synthetic-span.ts';
import { attributes, hexId, rowFromClickHouseShape as readBack, text, fixAttribute, uint32, uint64 } from '../support/row-fixtures.ts';

const rowFromClickHouseShape = (line: string): SpanRow => readBack(line, spansTable, SPAN_ROW_COLUMNS) as SpanRow;

const event: fc.Arbitrary<SpanEvent> = fc.record({ timeUnixNano: uint64, name: text, attributes, droppedAttributesCount: uint32 });
const link: fc.Arbitrary<SpanLink> = fc.record({
  traceId: hexId(16),
  spanId: hexId(8),
  traceState: text,
  attributes,
  droppedAttributesCount: uint32,
  flags: uint32,
});

const spanRecord: fc.Arbitrary<SpanRecord> = fc.record({
  tenant: text,
  traceId: hexId(16),
  spanId: hexId(8),
  parentSpanId: fc.oneof(fc.constant(''), hexId(8)),
  traceState: text,
  flags: uint32,
  name: text,
  kind: fc.integer({ min: 0, max: 5 }),
  startTimeUnixNano: uint64,
  endTimeUnixNano: uint64,
  statusCode: fc.integer({ min: 0, max: 2 }),
  statusMessage: text,
  serviceName: text,
  resourceAttributes: attributes,
  scopeName: text,
  scopeVersion: text,
  attributes,
  droppedAttributesCount: uint32,
  events: fc.array(event, { maxLength: 3 }),
  droppedEventsCount: uint32,
  links: fc.array(link, { maxLength: 3 }),
  droppedLinksCount: uint32,
});


/** What a span is expected to read back as: itself, with double -0 as 0. */
function expectedSpan(span: SpanRecord): SpanRecord {
  return {
    ...span,
    resourceAttributes: span.resourceAttributes.map(fixAttribute),
    attributes: span.attributes.map(fixAttribute),
    events: span.events.map((e) => ({ ...e, attributes: e.attributes.map(fixAttribute) })),
    links: span.links.map((l) => ({ ...l, attributes: l.attributes.map(fixAttribute) })),
  };
}

/** A span with every field set and every attribute type, nested. */
function fullSpan(): SpanRecord {
  const base = syntheticSpan(7, 'span-row');
  return {
    ...base,
    traceState: 'vendor=abc',
    statusMessage: 'line1\nline2 "quoted" \\ \u0000 😀',
    attributes: [
      { key: 'empty', value: { type: 'empty' } },
      { key: 'str', value: { type: 'string', value: '{"not":"json"}' } },
      { key: 'bool', value: { type: 'bool', value: false } },
      { key: 'int.min', value: { type: 'int', value: -(2n ** 63n) } },
      { key: 'int.max', value: { type: 'int', value: 2n ** 63n - 1n } },
      { key: 'double', value: { type: 'double', value: 0.1 } },
      { key: 'nan', value: { type: 'double', value: Number.NaN } },
      { key: 'inf', value: { type: 'double', value: Number.POSITIVE_INFINITY } },
      { key: '-inf', value: { type: 'double', value: Number.NEGATIVE_INFINITY } },
      { key: 'bytes', value: { type: 'bytes', value: new Uint8Array([0, 1, 254, 255]) } },
      {
        key: 'array',
        value: { type: 'array', value: [{ type: 'int', value: 1n }, { type: 'array', value: [{ type: 'double', value: Number.NaN }] }] },
      },
      { key: 'kvlist', value: { type: 'kvlist', value: [{ key: 'inner', value: { type: 'kvlist', value: [{ key: 'x', value: { type: 'empty' } }] } }] } },
    ],
    events: [
      { timeUnixNano: 2n ** 64n - 1n, name: 'exception', attributes: [{ key: 'e', value: { type: 'bool', value: true } }], droppedAttributesCount: 2 },
      { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 },
    ],
    droppedEventsCount: 3,
    links: [
      { traceId: 'f'.repeat(32), spanId: '1'.repeat(16), traceState: 'l=1', attributes: [{ key: 'k', value: { type: 'string', value: 'v' } }], droppedAttributesCount: 4, flags: 0xffff_ffff },
    ],
    droppedLinksCount: 5,
  };
}

void describe('encodeSpanRow', () => {
  void it('writes one line of JSON whose keys are the spans columns, in table order', () => {
    for (const span of [fullSpan(), syntheticSpan(0, 'x')]) {
      const line = encodeSpanRow(span);
      assert.ok(!line.includes('\n') && !line.includes('\r'), 'one line');
      const parsed = JSON.parse(line) as Record<string, unknown>;
      assert.deepEqual(Object.keys(parsed), spansTable.columns.map((c) => c.name));
    }
  });

  void it('keeps 64-bit values exact and derives timestamp and duration', () => {
    const span = { ...fullSpan(), startTimeUnixNano: 1_763_800_000_999_999_999n, endTimeUnixNano: 1_763_800_001_000_000_123n };
    const row = rowFromClickHouseShape(encodeSpanRow(span)) as SpanRow & Record<string, unknown>;
    assert.equal(row.start_time_unix_nano, '1763800000999999999');
    assert.equal(row.end_time_unix_nano, '1763800001000000123');
    assert.equal(row.duration_ns, '124');
    assert.deepEqual(row.event_times, ['18446744073709551615', '0']);
    const timestamp = (JSON.parse(encodeSpanRow(span)) as { timestamp: number }).timestamp;
    assert.equal(timestamp, 1_763_800_000);
  });

  void it('clamps a negative duration to 0', () => {
    const span = { ...syntheticSpan(1, 'x'), startTimeUnixNano: 2_000n, endTimeUnixNano: 1_000n };
    assert.equal(rowFromClickHouseShape(encodeSpanRow(span)).duration_ns, '0');
  });

  void it('is deterministic: the same span (or a copy of it) gives the same bytes', () => {
    fc.assert(
      fc.property(spanRecord, (span) => {
        assert.equal(encodeSpanRow(span), encodeSpanRow(structuredClone(span)));
      }),
      { numRuns: 200 },
    );
  });

  void it('always writes one line of JSON with the table columns (property)', () => {
    const columns = spansTable.columns.map((c) => c.name);
    fc.assert(
      fc.property(spanRecord, (span) => {
        const line = encodeSpanRow(span);
        assert.ok(!line.includes('\n'));
        assert.deepEqual(Object.keys(JSON.parse(line) as object), columns);
      }),
      { numRuns: 200 },
    );
  });
});

void describe('decodeSpanRow', () => {
  void it('round-trips a span with every attribute type, NaN and infinities included', () => {
    const span = fullSpan();
    assert.deepEqual(decodeSpanRow(rowFromClickHouseShape(encodeSpanRow(span))), span);
  });

  void it('round-trips generated spans (property)', () => {
    fc.assert(
      fc.property(spanRecord, (span) => {
        assert.deepEqual(decodeSpanRow(rowFromClickHouseShape(encodeSpanRow(span))), expectedSpan(span));
      }),
      { numRuns: 500 },
    );
  });

  void it('reads event times given as numbers too (servers that do not quote 64-bit integers)', () => {
    const row = rowFromClickHouseShape(encodeSpanRow(fullSpan()));
    const decoded = decodeSpanRow({ ...row, event_times: [5, 6] });
    assert.deepEqual(decoded.events.map((e) => e.timeUnixNano), [5n, 6n]);
  });
});
