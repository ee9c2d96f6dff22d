// The logs.v1 row encoding: one JSON line whose keys are the logs table's columns in order,
// byte-identical for the same record, and decoding what ClickHouse returns for it (64-bit integers
// as strings) gives back the record exactly, for generated records with every body and attribute
// type. Also the Kafka partition key: stable per resource, whatever the attribute order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AttrType } from '../../common/clickhouse/attribute-encoding.ts';
import { decodeLogRow, encodeLogRow, LOG_ROW_COLUMNS, logPartitionKey } from '../../common/clickhouse/log-row.ts';
import type { LogRow } from '../../common/clickhouse/log-row.ts';
import { logsTable } from '../../common/clickhouse/tables/logs.ts';
import type { LogRecord } from '../../common/model/log.ts';
import { attributes, attributeValue, hexId, rowFromClickHouseShape as readBack, text, fixAttribute, withoutNegativeZero, uint32, uint64 } from '../support/row-fixtures.ts';

const rowFromClickHouseShape = (line: string): LogRow => readBack(line, logsTable, LOG_ROW_COLUMNS) as LogRow;

const logRecord: fc.Arbitrary<LogRecord> = fc.record({
  tenant: text,
  timeUnixNano: uint64,
  observedTimeUnixNano: uint64,
  severityNumber: fc.integer({ min: 0, max: 24 }),
  severityText: text,
  body: attributeValue,
  attributes,
  droppedAttributesCount: uint32,
  flags: uint32,
  traceId: fc.oneof(fc.constant(''), hexId(16)),
  spanId: fc.oneof(fc.constant(''), hexId(8)),
  eventName: text,
  serviceName: text,
  resourceAttributes: attributes,
  scopeName: text,
  scopeVersion: text,
});


function expectedRecord(r: LogRecord): LogRecord {
  return {
    ...r,
    body: withoutNegativeZero(r.body),
    attributes: r.attributes.map(fixAttribute),
    resourceAttributes: r.resourceAttributes.map(fixAttribute),
  };
}

/** A record with every field set, a nested body, and text that is hard to carry. */
function fullRecord(): LogRecord {
  return {
    tenant: 'acme',
    timeUnixNano: 1_763_800_000_999_999_999n,
    observedTimeUnixNano: 2n ** 64n - 1n,
    severityNumber: 17,
    severityText: 'ERROR',
    body: {
      type: 'kvlist',
      value: [
        { key: 'msg', value: { type: 'string', value: 'line1\nline2 "quoted" \\ \u0000 😀' } },
        { key: 'nan', value: { type: 'double', value: Number.NaN } },
        { key: 'list', value: { type: 'array', value: [{ type: 'int', value: -(2n ** 63n) }, { type: 'bytes', value: new Uint8Array([0, 255]) }] } },
      ],
    },
    attributes: [
      { key: 'empty', value: { type: 'empty' } },
      { key: 'str', value: { type: 'string', value: '{"not":"json"}' } },
      { key: 'bool', value: { type: 'bool', value: true } },
      { key: 'int.max', value: { type: 'int', value: 2n ** 63n - 1n } },
      { key: 'inf', value: { type: 'double', value: Number.NEGATIVE_INFINITY } },
    ],
    droppedAttributesCount: 2,
    flags: 0xffff_ffff,
    traceId: 'f'.repeat(32),
    spanId: '1'.repeat(16),
    eventName: 'app.crash',
    serviceName: 'checkout',
    resourceAttributes: [
      { key: 'service.name', value: { type: 'string', value: 'checkout' } },
      { key: 'process.pid', value: { type: 'int', value: 4242n } },
    ],
    scopeName: 'logger',
    scopeVersion: '1.0.0',
  };
}

void describe('encodeLogRow', () => {
  void it('writes one line of JSON whose keys are the logs columns, in table order', () => {
    const line = encodeLogRow(fullRecord());
    assert.ok(!line.includes('\n') && !line.includes('\r'), 'one line');
    assert.deepEqual(Object.keys(JSON.parse(line) as object), logsTable.columns.map((c) => c.name));
  });

  void it('keeps 64-bit values exact, derives timestamp, and stores a string body as-is', () => {
    const record = { ...fullRecord(), body: { type: 'string', value: 'plain "text"' } } as const;
    const line = encodeLogRow(record);
    const row = rowFromClickHouseShape(line);
    assert.equal(row.time_unix_nano, '1763800000999999999');
    assert.equal(row.observed_time_unix_nano, '18446744073709551615');
    assert.equal(row.body, 'plain "text"');
    assert.equal(row.body_type, AttrType.string);
    assert.equal((JSON.parse(line) as { timestamp: number }).timestamp, 1_763_800_000);
  });

  void it('stores other bodies as their encoded text with their type code', () => {
    const row = rowFromClickHouseShape(encodeLogRow({ ...fullRecord(), body: { type: 'int', value: -5n } }));
    assert.deepEqual([row.body, row.body_type], ['-5', AttrType.int]);
    const empty = rowFromClickHouseShape(encodeLogRow({ ...fullRecord(), body: { type: 'empty' } }));
    assert.deepEqual([empty.body, empty.body_type], ['', AttrType.empty]);
  });

  void it('is deterministic and always one line with the table columns (property)', () => {
    const columns = logsTable.columns.map((c) => c.name);
    fc.assert(
      fc.property(logRecord, (record) => {
        const line = encodeLogRow(record);
        assert.equal(line, encodeLogRow(structuredClone(record)));
        assert.ok(!line.includes('\n'));
        assert.deepEqual(Object.keys(JSON.parse(line) as object), columns);
      }),
      { numRuns: 300 },
    );
  });
});

void describe('decodeLogRow', () => {
  void it('selects every column except the derived timestamp', () => {
    assert.deepEqual(LOG_ROW_COLUMNS, logsTable.columns.map((c) => c.name).filter((n) => n !== 'timestamp'));
  });

  void it('round-trips a record with every field set, NaN and infinities included', () => {
    const record = fullRecord();
    assert.deepEqual(decodeLogRow(rowFromClickHouseShape(encodeLogRow(record))), record);
  });

  void it('round-trips generated records (property)', () => {
    fc.assert(
      fc.property(logRecord, (record) => {
        assert.deepEqual(decodeLogRow(rowFromClickHouseShape(encodeLogRow(record))), expectedRecord(record));
      }),
      { numRuns: 500 },
    );
  });
});

void describe('logPartitionKey', () => {
  void it('is the tenant plus a fingerprint of the resource, independent of attribute order', () => {
    fc.assert(
      fc.property(logRecord, (record) => {
        const reversed = { ...record, resourceAttributes: [...record.resourceAttributes].reverse() };
        const key = logPartitionKey(record);
        assert.equal(logPartitionKey(reversed), key);
        assert.match(key.slice(record.tenant.length), /^\/[0-9a-f]{16}$/);
        // The rest of the record does not move the key.
        assert.equal(logPartitionKey({ ...record, body: { type: 'empty' }, timeUnixNano: 1n }), key);
      }),
    );
  });

  void it('differs between resources and tenants', () => {
    const a = fullRecord();
    const b = { ...a, resourceAttributes: [{ key: 'service.name', value: { type: 'string', value: 'billing' } } as const] };
    const c = { ...a, resourceAttributes: [...a.resourceAttributes, { key: 'process.pid', value: { type: 'string', value: '4242' } } as const] };
    const keys = new Set([a, b, c, { ...a, tenant: 'other' }].map(logPartitionKey));
    assert.equal(keys.size, 4);
  });
});
