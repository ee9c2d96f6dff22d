// OTLP logs decoding, protobuf and JSON: round-trips bodies from the OpenTelemetry JS exporter's
// own serializers, then checks the OTLP/JSON mapping details, every rejection rule (on both
// encodings, from one table of hand-built records) and undecodable-body cases.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeverityNumber } from '@opentelemetry/api-logs';
import type { LogBody } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import fc from 'fast-check';
import { LOG_ROW_FORMAT, encodeLogRow, logPartitionKey } from '../../common/clickhouse/log-row.ts';
import type { LogRecord } from '../../common/model/log.ts';
import { decodeLogsJson, decodeLogsProtobuf, OtlpDecodeError } from '../../collector/otlp/decode-logs.ts';
import type { LogDecodeResult } from '../../collector/otlp/decode-logs.ts';
import { defaultTraceDecodeLimits } from '../../collector/otlp/limits.ts';
import { exportLogsServiceRequestType } from '../../collector/otlp/logs-proto-schema.ts';
import { logsSignal } from '../../collector/signals/logs.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const LIMIT = defaultTraceDecodeLimits.maxAttributeValueBytes;

/** A ReadableLogRecord with every field the OTLP serializers write set to a non-default value. */
function fullReadableLog(): ReadableLogRecord {
  return {
    hrTime: [1700000000, 123456789],
    hrTimeObserved: [1700000001, 987654321],
    spanContext: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 },
    severityText: 'WARN',
    severityNumber: SeverityNumber.WARN, // 13
    body: {
      message: 'disk almost full',
      used: 0.93,
      mounts: ['/', '/var'],
      raw: new Uint8Array([0, 1, 254, 255]),
    },
    eventName: 'disk.pressure',
    resource: resourceFromAttributes({ 'service.name': 'storage', 'host.name': 'db-1', 'process.pid': 4242 }),
    instrumentationScope: { name: '@cairn/test-logger', version: '2.0.1' },
    // Every AnyValue type, nested, and null (sent as an empty value).
    attributes: {
      'http.method': 'GET',
      'retry.negative': -42,
      'ratio': 0.25,
      'cache.hit': false,
      'payload': new Uint8Array([9, 8, 7]),
      'tags': ['a', 7, true, [1.5, 'nested']],
      'user': { id: 'u-1', limits: { daily: 100 } },
      'nothing': null,
    },
    droppedAttributesCount: 3,
  };
}

const expectedFullLog: LogRecord = {
  tenant: 'acme',
  timeUnixNano: 1700000000123456789n,
  observedTimeUnixNano: 1700000001987654321n,
  severityNumber: 13,
  severityText: 'WARN',
  body: {
    type: 'kvlist',
    value: [
      { key: 'message', value: { type: 'string', value: 'disk almost full' } },
      { key: 'used', value: { type: 'double', value: 0.93 } },
      { key: 'mounts', value: { type: 'array', value: [{ type: 'string', value: '/' }, { type: 'string', value: '/var' }] } },
      { key: 'raw', value: { type: 'bytes', value: new Uint8Array([0, 1, 254, 255]) } },
    ],
  },
  attributes: [
    { key: 'http.method', value: { type: 'string', value: 'GET' } },
    { key: 'retry.negative', value: { type: 'int', value: -42n } },
    { key: 'ratio', value: { type: 'double', value: 0.25 } },
    { key: 'cache.hit', value: { type: 'bool', value: false } },
    { key: 'payload', value: { type: 'bytes', value: new Uint8Array([9, 8, 7]) } },
    {
      key: 'tags',
      value: {
        type: 'array',
        value: [
          { type: 'string', value: 'a' },
          { type: 'int', value: 7n },
          { type: 'bool', value: true },
          { type: 'array', value: [{ type: 'double', value: 1.5 }, { type: 'string', value: 'nested' }] },
        ],
      },
    },
    {
      key: 'user',
      value: {
        type: 'kvlist',
        value: [
          { key: 'id', value: { type: 'string', value: 'u-1' } },
          { key: 'limits', value: { type: 'kvlist', value: [{ key: 'daily', value: { type: 'int', value: 100n } }] } },
        ],
      },
    },
    { key: 'nothing', value: { type: 'empty' } },
  ],
  droppedAttributesCount: 3,
  flags: 1,
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  eventName: 'disk.pressure',
  serviceName: 'storage',
  resourceAttributes: [
    { key: 'service.name', value: { type: 'string', value: 'storage' } },
    { key: 'host.name', value: { type: 'string', value: 'db-1' } },
    { key: 'process.pid', value: { type: 'int', value: 4242n } },
  ],
  scopeName: '@cairn/test-logger',
  scopeVersion: '2.0.1',
};

/** A bare record: no span context, body, severity or event name; time unknown (0). */
function bareReadableLog(): ReadableLogRecord {
  return {
    hrTime: [0, 0],
    hrTimeObserved: [1700000002, 5],
    resource: resourceFromAttributes({}),
    instrumentationScope: { name: 'bare' },
    attributes: {},
    droppedAttributesCount: 0,
  };
}

const expectedBareLog: LogRecord = {
  tenant: 'acme',
  timeUnixNano: 1700000002000000005n,
  observedTimeUnixNano: 1700000002000000005n,
  severityNumber: 0,
  severityText: '',
  body: { type: 'empty' },
  attributes: [],
  droppedAttributesCount: 0,
  flags: 0,
  traceId: '',
  spanId: '',
  eventName: '',
  serviceName: 'unknown_service',
  resourceAttributes: [],
  scopeName: 'bare',
  scopeVersion: '',
};

interface Codec {
  readonly name: 'protobuf' | 'json';
  serialize(logs: ReadableLogRecord[]): Uint8Array;
  decode(body: Uint8Array, tenant: string, limits?: typeof defaultTraceDecodeLimits): LogDecodeResult;
  /** Encodes a hand-built request written in the OTLP/JSON mapping (hex ids, base64 bytes). */
  encode(request: PlainRequest): Uint8Array;
}

type PlainLog = Record<string, unknown>;
interface PlainRequest {
  resourceLogs: { resource?: { attributes: unknown[] }; scopeLogs: { scope?: object; logRecords: PlainLog[] }[] }[];
}

/** protobufjs' fromObject reads bytes fields as base64, so hex ids are turned into bytes first. */
function toProtobufObject(request: PlainRequest): object {
  return {
    resourceLogs: request.resourceLogs.map((rl) => ({
      ...rl,
      scopeLogs: rl.scopeLogs.map((sl) => ({
        ...sl,
        logRecords: sl.logRecords.map((log) => ({
          ...log,
          ...(typeof log['traceId'] === 'string' ? { traceId: Buffer.from(log['traceId'], 'hex') } : {}),
          ...(typeof log['spanId'] === 'string' ? { spanId: Buffer.from(log['spanId'], 'hex') } : {}),
        })),
      })),
    })),
  };
}

const protobufCodec: Codec = {
  name: 'protobuf',
  serialize: (logs) => {
    const body = ProtobufLogsSerializer.serializeRequest(logs);
    assert.ok(body);
    return body;
  },
  decode: (body, tenant, limits) => decodeLogsProtobuf(body, tenant, limits),
  encode: (request) =>
    exportLogsServiceRequestType.encode(exportLogsServiceRequestType.fromObject(toProtobufObject(request))).finish(),
};

const jsonCodec: Codec = {
  name: 'json',
  serialize: (logs) => {
    const body = JsonLogsSerializer.serializeRequest(logs);
    assert.ok(body);
    return body;
  },
  decode: (body, tenant, limits) => decodeLogsJson(body, tenant, limits),
  encode: (request) => Buffer.from(JSON.stringify(request)),
};

function goodLog(overrides: PlainLog = {}): PlainLog {
  return {
    timeUnixNano: '1700000000000000000',
    observedTimeUnixNano: '1700000000000000500',
    severityNumber: 9,
    severityText: 'INFO',
    body: { stringValue: 'ok' },
    attributes: [{ key: 'k', value: { stringValue: 'v' } }],
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    ...overrides,
  };
}

function request(logs: PlainLog[], resourceAttributes: unknown[] = []): PlainRequest {
  return { resourceLogs: [{ resource: { attributes: resourceAttributes }, scopeLogs: [{ scope: { name: 's', version: '1' }, logRecords: logs }] }] };
}

const stringAttr = (key: string, value: string): object => ({ key, value: { stringValue: value } });
const longValue = 'x'.repeat(LIMIT + 1);

for (const codec of [protobufCodec, jsonCodec]) {
  void describe(`decodeLogs (${codec.name}): round trip from the OTel JS serializer`, () => {
    void it('keeps every field of a fully populated log record', () => {
      const result = codec.decode(codec.serialize([fullReadableLog()]), 'acme');
      assert.deepStrictEqual(result, { records: [expectedFullLog], rejected: 0, errorMessage: '' });
    });

    void it('fills defaults for a bare record and takes the observed time when the time is 0', () => {
      const result = codec.decode(codec.serialize([bareReadableLog()]), 'acme');
      assert.deepStrictEqual(result, { records: [expectedBareLog], rejected: 0, errorMessage: '' });
    });

    void it('decodes every body type', () => {
      const bodies: [LogBody, LogRecord['body']][] = [
        ['plain text 😀', { type: 'string', value: 'plain text 😀' }],
        [42, { type: 'int', value: 42n }],
        [-1.5, { type: 'double', value: -1.5 }],
        [true, { type: 'bool', value: true }],
        [new Uint8Array([1, 2, 3]), { type: 'bytes', value: new Uint8Array([1, 2, 3]) }],
        [[1, 'two'], { type: 'array', value: [{ type: 'int', value: 1n }, { type: 'string', value: 'two' }] }],
      ];
      for (const [i, [body, expected]] of bodies.entries()) {
        const [record] = codec.decode(codec.serialize([{ ...fullReadableLog(), body }]), 'acme').records;
        assert.deepStrictEqual(record?.body, expected, `body ${i}`);
      }
    });

    void it('keeps records of several resources and scopes apart', () => {
      const a = fullReadableLog();
      const b = { ...fullReadableLog(), resource: resourceFromAttributes({ 'service.name': 'billing' }) };
      const c = { ...fullReadableLog(), instrumentationScope: { name: 'other', version: '9' } };
      const records = codec.decode(codec.serialize([a, b, c]), 'acme').records;
      assert.deepStrictEqual(
        records.map((r) => `${r.serviceName}/${r.scopeName}@${r.scopeVersion}`).sort(),
        ['billing/@cairn/test-logger@2.0.1', 'storage/@cairn/test-logger@2.0.1', 'storage/other@9'],
      );
    });

    void it('keeps 64-bit times exact and reads an all-zero trace/span id as "no trace"', () => {
      const body = codec.encode(
        request([goodLog({ timeUnixNano: '18446744073709551615', observedTimeUnixNano: '1700000000123456789', traceId: '0'.repeat(32), spanId: '0'.repeat(16) })]),
      );
      const [record] = codec.decode(body, 'acme').records;
      assert.equal(record?.timeUnixNano, 18446744073709551615n);
      assert.equal(record.observedTimeUnixNano, 1700000000123456789n);
      assert.equal(record.traceId, '');
      assert.equal(record.spanId, '');
    });
  });

  void describe(`decodeLogs (${codec.name}): rejection rules`, () => {
    const cases: { rule: string; log: PlainLog; message: string | RegExp; resource?: unknown[] }[] = [
      { rule: 'short trace_id', log: goodLog({ traceId: 'ab'.repeat(15) }), message: /trace_id must be (16 bytes, got 15|32 hex characters, got 30)/ },
      { rule: 'long span_id', log: goodLog({ spanId: 'ab'.repeat(9) }), message: /span_id must be (8 bytes, got 9|16 hex characters, got 18)/ },
      {
        rule: 'time and observed time both 0',
        log: goodLog({ timeUnixNano: '0', observedTimeUnixNano: '0' }),
        message: 'time_unix_nano and observed_time_unix_nano must not both be 0',
      },
      { rule: 'no times at all', log: goodLog({ timeUnixNano: undefined, observedTimeUnixNano: undefined }), message: 'must not both be 0' },
      { rule: 'severity_number above 24', log: goodLog({ severityNumber: 25 }), message: 'severity_number must be 0..24, got 25' },
      { rule: 'negative severity_number', log: goodLog({ severityNumber: -1 }), message: 'severity_number must be 0..24, got -1' },
      {
        rule: 'too many attributes',
        log: goodLog({ attributes: Array.from({ length: 129 }, (_, i) => stringAttr(`k${i}`, 'v')) }),
        message: '129 attributes, limit maxAttributes=128',
      },
      {
        rule: 'long string attribute',
        log: goodLog({ attributes: [stringAttr('big', longValue)] }),
        message: `attribute 'big' value is ${LIMIT + 1} bytes, limit maxAttributeValueBytes=${LIMIT}`,
      },
      {
        rule: 'long bytes attribute',
        log: goodLog({ attributes: [{ key: 'blob', value: { bytesValue: Buffer.alloc(LIMIT + 1).toString('base64') } }] }),
        message: `attribute 'blob' value is ${LIMIT + 1} bytes`,
      },
      { rule: 'empty attribute key', log: goodLog({ attributes: [stringAttr('', 'v')] }), message: 'attribute with an empty key' },
      {
        rule: 'empty attribute key nested in a kvlist',
        log: goodLog({ attributes: [{ key: 'map', value: { kvlistValue: { values: [stringAttr('', 'v')] } } }] }),
        message: 'attribute with an empty key',
      },
      {
        rule: 'long string body',
        log: goodLog({ body: { stringValue: longValue } }),
        message: `body 'body' value is ${LIMIT + 1} bytes, limit maxAttributeValueBytes=${LIMIT}`,
      },
      {
        rule: 'long bytes body',
        log: goodLog({ body: { bytesValue: Buffer.alloc(LIMIT + 1).toString('base64') } }),
        message: `body 'body' value is ${LIMIT + 1} bytes`,
      },
      {
        rule: 'long string nested in an array body',
        log: goodLog({ body: { arrayValue: { values: [{ stringValue: 'ok' }, { stringValue: longValue }] } } }),
        message: `body 'body' value is ${LIMIT + 1} bytes`,
      },
      {
        rule: 'long string nested in a kvlist body',
        log: goodLog({ body: { kvlistValue: { values: [stringAttr('inner', longValue)] } } }),
        message: `body 'inner' value is ${LIMIT + 1} bytes`,
      },
      {
        rule: 'empty key in a kvlist body',
        log: goodLog({ body: { kvlistValue: { values: [stringAttr('', 'v')] } } }),
        message: 'body with an empty key',
      },
    ];

    for (const { rule, log, message } of cases) {
      void it(`rejects only the record with: ${rule}`, () => {
        const result = codec.decode(codec.encode(request([goodLog(), log])), 'acme');
        assert.equal(result.records.length, 1);
        assert.equal(result.records[0]?.severityText, 'INFO');
        assert.equal(result.rejected, 1);
        assert.ok(result.errorMessage.startsWith('1 log record rejected: resource 0 scope 0 log record 1: '), result.errorMessage);
        if (typeof message === 'string') assert.ok(result.errorMessage.includes(message), `${result.errorMessage}\n  should mention: ${message}`);
        else assert.match(result.errorMessage, message);
      });
    }

    void it('accepts a body exactly at the limit, and a record without trace context', () => {
      const atLimit = goodLog({ body: { stringValue: 'x'.repeat(LIMIT) }, traceId: undefined, spanId: undefined });
      const result = codec.decode(codec.encode(request([atLimit])), 'acme');
      assert.equal(result.rejected, 0, result.errorMessage);
      assert.equal(result.records[0]?.traceId, '');
    });

    void it('rejects every record of a resource whose attributes break a limit', () => {
      const result = codec.decode(codec.encode(request([goodLog(), goodLog()], [stringAttr('service.name', 'x'.repeat(20000))])), 'acme');
      assert.equal(result.records.length, 0);
      assert.equal(result.rejected, 2);
      assert.match(result.errorMessage, /^2 log records rejected: resource 0: resource attribute 'service.name' value is 20000 bytes/);
    });

    void it('applies caller-supplied limits, to the body too', () => {
      const limits = { ...defaultTraceDecodeLimits, maxAttributes: 1, maxAttributeValueBytes: 4 };
      const logs = [goodLog({ body: { stringValue: 'four' } }), goodLog({ attributes: [stringAttr('a', '1'), stringAttr('b', '2')] }), goodLog({ body: { stringValue: 'fives' } })];
      const result = codec.decode(codec.encode(request(logs)), 'acme', limits);
      assert.equal(result.records.length, 1);
      assert.equal(result.rejected, 2);
      assert.match(result.errorMessage, /2 attributes, limit maxAttributes=1.*body 'body' value is 5 bytes/);
    });
  });
}

void describe('decodeLogsJson: OTLP/JSON mapping', () => {
  const decode = (logs: PlainLog[]): LogDecodeResult => decodeLogsJson(JSON.stringify(request(logs)), 'acme');

  void it('accepts severity numbers as integers, numeric strings or names', () => {
    const records = decode([
      goodLog({ severityNumber: 'SEVERITY_NUMBER_FATAL4' }),
      goodLog({ severityNumber: 'SEVERITY_NUMBER_WARN' }),
      goodLog({ severityNumber: 'SEVERITY_NUMBER_UNSPECIFIED' }),
      goodLog({ severityNumber: '17' }),
    ]).records;
    assert.deepStrictEqual(records.map((r) => r.severityNumber), [24, 13, 0, 17]);
  });

  void it('rejects an unknown severity name', () => {
    assert.match(decode([goodLog({ severityNumber: 'LOUD' })]).errorMessage, /severity_number must be an integer or a SeverityNumber name/);
  });

  void it('reads hex ids case-insensitively and stores them lower-case', () => {
    const [record] = decode([goodLog({ traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID.toUpperCase() })]).records;
    assert.equal(record?.traceId, TRACE_ID);
    assert.equal(record.spanId, SPAN_ID);
  });

  void it('accepts the original snake_case field names', () => {
    const text = JSON.stringify({
      resource_logs: [
        {
          scope_logs: [
            {
              log_records: [
                {
                  time_unix_nano: '5', observed_time_unix_nano: '6', severity_number: 2, severity_text: 't',
                  body: { string_value: 'b' }, dropped_attributes_count: 7, flags: 1, trace_id: TRACE_ID, span_id: SPAN_ID, event_name: 'e',
                },
              ],
            },
          ],
        },
      ],
    });
    const [record] = decodeLogsJson(text, 'acme').records;
    assert.deepStrictEqual(
      [record?.timeUnixNano, record?.observedTimeUnixNano, record?.severityNumber, record?.severityText, record?.body, record?.droppedAttributesCount, record?.traceId, record?.spanId, record?.eventName],
      [5n, 6n, 2, 't', { type: 'string', value: 'b' }, 7, TRACE_ID, SPAN_ID, 'e'],
    );
  });

  void it('reads bare JSON numbers beyond 2^53 exactly', () => {
    const text = JSON.stringify(request([goodLog({ timeUnixNano: 'T' })])).replace('"T"', '1700000000123456789');
    assert.equal(decodeLogsJson(text, 'acme').records[0]?.timeUnixNano, 1700000000123456789n);
  });

  void it('rejects fields of the wrong JSON type, record by record', () => {
    const result = decode([goodLog({ severityText: 5 }), goodLog({ flags: -1 }), goodLog({ timeUnixNano: '1.5' }), goodLog({ traceId: 'zz'.repeat(16) }), 'not an object' as unknown as PlainLog, goodLog()]);
    assert.equal(result.records.length, 1);
    assert.equal(result.rejected, 5);
    assert.match(result.errorMessage, /severity_text must be a string.*flags must be an unsigned 32-bit integer.*time_unix_nano must be an unsigned 64-bit integer; \.\.\.$/);
  });
});

void describe('decodeLogs: undecodable bodies', () => {
  const bad: [string, () => unknown][] = [
    ['truncated protobuf', () => decodeLogsProtobuf(protobufCodec.serialize([fullReadableLog()]).subarray(0, 40), 'acme')],
    ['protobuf with a bad wire type', () => decodeLogsProtobuf(new Uint8Array([0x0f, 0x01]), 'acme')],
    ['invalid JSON', () => decodeLogsJson('{"resourceLogs": [', 'acme')],
    ['a JSON array at the root', () => decodeLogsJson('[]', 'acme')],
    ['resourceLogs not an array', () => decodeLogsJson('{"resourceLogs": {}}', 'acme')],
    ['a scopeLogs entry that is not an object', () => decodeLogsJson('{"resourceLogs": [{"scopeLogs": [1]}]}', 'acme')],
    ['logRecords not an array', () => decodeLogsJson('{"resourceLogs": [{"scopeLogs": [{"logRecords": "x"}]}]}', 'acme')],
  ];
  for (const [what, run] of bad) {
    void it(`throws OtlpDecodeError for ${what}`, () => {
      assert.throws(run, OtlpDecodeError);
    });
  }

  void it('decodes empty requests as no records', () => {
    const empty = { records: [], rejected: 0, errorMessage: '' };
    assert.deepStrictEqual(decodeLogsProtobuf(new Uint8Array(0), 'acme'), empty);
    assert.deepStrictEqual(decodeLogsJson('{}', 'acme'), empty);
  });

  void it('only ever throws OtlpDecodeError, on arbitrary bytes and arbitrary JSON (property)', () => {
    const onlyDecodeErrors = (run: () => unknown): void => {
      try {
        run();
      } catch (err) {
        assert.ok(err instanceof OtlpDecodeError, String(err));
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.jsonValue(), (bytes, json) => {
        onlyDecodeErrors(() => decodeLogsProtobuf(bytes, 'acme'));
        onlyDecodeErrors(() => decodeLogsJson(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [json] }] }] }), 'acme'));
      }),
    );
  });
});

void describe('logsSignal', () => {
  void it('turns a request into logs.v1 rows keyed by tenant and resource', () => {
    const a = fullReadableLog();
    const b = { ...fullReadableLog(), resource: resourceFromAttributes({ 'service.name': 'billing' }) };
    const result = logsSignal.decode(protobufCodec.serialize([a, b]), 'protobuf', 'acme');
    assert.equal(result.accepted, 2);
    assert.equal(result.rejected, 0);
    const decoded = decodeLogsProtobuf(protobufCodec.serialize([a, b]), 'acme').records;
    assert.deepStrictEqual(
      result.rows,
      decoded.map((r) => ({ key: logPartitionKey(r), format: LOG_ROW_FORMAT, value: encodeLogRow(r) })),
    );
    assert.notEqual(result.rows[0]?.key, result.rows[1]?.key);
    assert.ok(result.rows[0]?.key.startsWith('acme/'));
    assert.equal(logsSignal.tables.get(LOG_ROW_FORMAT)?.name, 'logs');
  });

  void it('reports rejected records from JSON bodies', () => {
    const result = logsSignal.decode(jsonCodec.encode(request([goodLog(), goodLog({ severityNumber: 99 })])), 'json', 'acme');
    assert.equal(result.accepted, 1);
    assert.equal(result.rejected, 1);
    assert.match(result.errorMessage, /^1 log record rejected: /);
  });
});
