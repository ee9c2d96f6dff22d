// OTLP/JSON trace decoding: round-trips bodies from the OpenTelemetry JS exporter's own JSON
// serializer, then checks the OTLP/JSON mapping details (names, hex ids, 64-bit numbers, enums),
// every rejection rule and undecodable-body case on hand-built requests.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import type { SpanRecord } from '../../common/model/span.ts';
import { decodeTracesJson, defaultTraceDecodeLimits, OtlpDecodeError } from '../../collector/otlp/decode-traces.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const PARENT_ID = '00f067aa0ba902b7';

/** A ReadableSpan with every field the OTLP serializer writes set to a non-default value. */
function fullReadableSpan(options: { root?: boolean } = {}): ReadableSpan {
  const context = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, traceState: new TraceState('vendor=abc,other=1') };
  return {
    name: 'GET /users/:id',
    kind: SpanKind.CLIENT, // OTLP numbers it 3
    spanContext: () => context,
    ...(options.root === true ? {} : { parentSpanContext: { traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: 1, isRemote: false } }),
    startTime: [1700000000, 123456789],
    endTime: [1700000001, 987654321],
    status: { code: SpanStatusCode.OK, message: 'fine' },
    // OTLP AnyValue attributes (bytes, maps, mixed arrays) that the 1.9 API type does not list;
    // the serializer encodes them, which is what these tests feed the decoder.
    attributes: {
      'http.method': 'GET',
      'http.status_code': 200,
      'retry.negative': -42,
      'ratio': 0.25,
      'cache.hit': true,
      'payload': new Uint8Array([0, 1, 2, 254, 255]),
      'tags': ['a', 7, false, [1.5, 'nested']],
      'user': { id: 'u-1', roles: ['admin'], limits: { daily: 100 } },
      'nothing': null,
    } as unknown as Attributes,
    links: [
      {
        context: { traceId: 'f'.repeat(32), spanId: '1'.repeat(16), traceFlags: 0, traceState: new TraceState('l=1') },
        attributes: { 'link.kind': 'follows' },
        droppedAttributesCount: 2,
      },
    ],
    events: [
      { name: 'exception', time: [1700000000, 500000001], attributes: { 'exception.type': 'Timeout' }, droppedAttributesCount: 1 },
    ],
    duration: [1, 864197532],
    ended: true,
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'web-1', 'process.pid': 4242 }),
    instrumentationScope: { name: '@cairn/test-instrumentation', version: '1.2.3' },
    droppedAttributesCount: 3,
    droppedEventsCount: 4,
    droppedLinksCount: 5,
  };
}

const expectedFullSpan: SpanRecord = {
  tenant: 'acme',
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  parentSpanId: PARENT_ID,
  traceState: 'vendor=abc,other=1',
  // Trace flags 0x01 | HAS_IS_REMOTE 0x100 (the parent is local).
  flags: 0x101,
  name: 'GET /users/:id',
  kind: 3,
  startTimeUnixNano: 1700000000123456789n,
  endTimeUnixNano: 1700000001987654321n,
  statusCode: 1,
  statusMessage: 'fine',
  serviceName: 'checkout',
  resourceAttributes: [
    { key: 'service.name', value: { type: 'string', value: 'checkout' } },
    { key: 'host.name', value: { type: 'string', value: 'web-1' } },
    { key: 'process.pid', value: { type: 'int', value: 4242n } },
  ],
  scopeName: '@cairn/test-instrumentation',
  scopeVersion: '1.2.3',
  attributes: [
    { key: 'http.method', value: { type: 'string', value: 'GET' } },
    { key: 'http.status_code', value: { type: 'int', value: 200n } },
    { key: 'retry.negative', value: { type: 'int', value: -42n } },
    { key: 'ratio', value: { type: 'double', value: 0.25 } },
    { key: 'cache.hit', value: { type: 'bool', value: true } },
    { key: 'payload', value: { type: 'bytes', value: new Uint8Array([0, 1, 2, 254, 255]) } },
    {
      key: 'tags',
      value: {
        type: 'array',
        value: [
          { type: 'string', value: 'a' },
          { type: 'int', value: 7n },
          { type: 'bool', value: false },
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
          { key: 'roles', value: { type: 'array', value: [{ type: 'string', value: 'admin' }] } },
          { key: 'limits', value: { type: 'kvlist', value: [{ key: 'daily', value: { type: 'int', value: 100n } }] } },
        ],
      },
    },
    { key: 'nothing', value: { type: 'empty' } },
  ],
  droppedAttributesCount: 3,
  events: [
    {
      timeUnixNano: 1700000000500000001n,
      name: 'exception',
      attributes: [{ key: 'exception.type', value: { type: 'string', value: 'Timeout' } }],
      droppedAttributesCount: 1,
    },
  ],
  droppedEventsCount: 4,
  links: [
    {
      traceId: 'f'.repeat(32),
      spanId: '1'.repeat(16),
      traceState: 'l=1',
      attributes: [{ key: 'link.kind', value: { type: 'string', value: 'follows' } }],
      droppedAttributesCount: 2,
      flags: 0x100,
    },
  ],
  droppedLinksCount: 5,
};

function serialize(spans: ReadableSpan[]): Uint8Array {
  const body = JsonTraceSerializer.serializeRequest(spans);
  assert.ok(body);
  return body;
}

type JsonSpan = Record<string, unknown>;

function goodSpan(overrides: JsonSpan = {}): JsonSpan {
  return {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    name: 'work',
    kind: 1,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000000001000',
    attributes: [{ key: 'k', value: { stringValue: 'v' } }],
    ...overrides,
  };
}

function request(spans: unknown[], resourceAttributes: unknown[] = [], scope: unknown = { name: 's', version: '1' }): string {
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: resourceAttributes }, scopeSpans: [{ scope, spans }] }] });
}

function decodeOne(span: JsonSpan): SpanRecord {
  const result = decodeTracesJson(request([span]), 'acme');
  assert.equal(result.errorMessage, '');
  const [decoded] = result.spans;
  assert.ok(decoded);
  return decoded;
}

function stringAttr(key: string, value: string): object {
  return { key, value: { stringValue: value } };
}

void describe('decodeTracesJson: round trip from the OTel JS serializer', () => {
  void it('keeps every field of a fully populated span', () => {
    const result = decodeTracesJson(serialize([fullReadableSpan()]), 'acme');
    assert.equal(result.rejectedSpans, 0);
    assert.equal(result.errorMessage, '');
    assert.deepStrictEqual(result.spans, [expectedFullSpan]);
  });

  void it('accepts the body as a string as well as bytes', () => {
    const text = new TextDecoder().decode(serialize([fullReadableSpan()]));
    assert.deepStrictEqual(decodeTracesJson(text, 'acme').spans, [expectedFullSpan]);
  });

  void it('decodes a root span with defaults', () => {
    const root: ReadableSpan = {
      ...fullReadableSpan({ root: true }),
      kind: SpanKind.INTERNAL,
      status: { code: SpanStatusCode.UNSET },
      attributes: {},
      links: [],
      events: [],
      resource: resourceFromAttributes({}),
      instrumentationScope: { name: 'bare' },
    };
    const [span] = decodeTracesJson(serialize([root]), 'acme').spans;
    assert.ok(span);
    assert.equal(span.parentSpanId, '');
    assert.equal(span.traceState, 'vendor=abc,other=1');
    assert.equal(span.kind, 1);
    assert.equal(span.statusCode, 0);
    assert.equal(span.statusMessage, '');
    assert.equal(span.serviceName, 'unknown_service');
    assert.equal(span.scopeVersion, '');
  });
});

void describe('decodeTracesJson: OTLP/JSON mapping', () => {
  void it('fills unset fields with proto3 defaults', () => {
    const span = decodeOne({ traceId: TRACE_ID, spanId: SPAN_ID, startTimeUnixNano: '1', endTimeUnixNano: 1 });
    assert.deepStrictEqual(
      { ...span, attributes: [...span.attributes], events: [...span.events], links: [...span.links] },
      {
        tenant: 'acme', traceId: TRACE_ID, spanId: SPAN_ID, parentSpanId: '', traceState: '', flags: 0, name: '', kind: 0,
        startTimeUnixNano: 1n, endTimeUnixNano: 1n, statusCode: 0, statusMessage: '', serviceName: 'unknown_service',
        resourceAttributes: [], scopeName: 's', scopeVersion: '1', attributes: [], droppedAttributesCount: 0,
        events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0,
      } satisfies SpanRecord,
    );
  });

  void it('reports end before start for a span without an end time', () => {
    const result = decodeTracesJson(request([{ traceId: TRACE_ID, spanId: SPAN_ID, startTimeUnixNano: '5' }]), 'acme');
    assert.match(result.errorMessage, /end_time_unix_nano 0 is before start_time_unix_nano 5/);
  });

  void it('accepts the original snake_case field names', () => {
    const body = JSON.stringify({
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'snake' } }] },
          scope_spans: [
            {
              scope: { name: 'sc', version: '2' },
              spans: [
                {
                  trace_id: TRACE_ID, span_id: SPAN_ID, parent_span_id: PARENT_ID, trace_state: 'a=b', name: 'n', kind: 2,
                  start_time_unix_nano: '10', end_time_unix_nano: '20', dropped_attributes_count: 1, dropped_events_count: 2,
                  dropped_links_count: 3, flags: 1,
                  attributes: [
                    { key: 'i', value: { int_value: '-5' } }, { key: 'd', value: { double_value: 1.5 } },
                    { key: 'b', value: { bool_value: true } }, { key: 'y', value: { bytes_value: 'AQI=' } },
                    { key: 'a', value: { array_value: { values: [{ string_value: 'x' }] } } },
                    { key: 'm', value: { kvlist_value: { values: [{ key: 'k', value: { int_value: 1 } }] } } },
                  ],
                  events: [{ time_unix_nano: '15', name: 'e', dropped_attributes_count: 4 }],
                  links: [{ trace_id: TRACE_ID, span_id: PARENT_ID, trace_state: 'c=d', dropped_attributes_count: 5, flags: 256 }],
                },
              ],
            },
          ],
        },
      ],
    });
    const [span] = decodeTracesJson(body, 'acme').spans;
    assert.ok(span);
    assert.equal(span.serviceName, 'snake');
    assert.deepStrictEqual(
      [span.parentSpanId, span.traceState, span.startTimeUnixNano, span.endTimeUnixNano, span.droppedAttributesCount, span.droppedEventsCount, span.droppedLinksCount],
      [PARENT_ID, 'a=b', 10n, 20n, 1, 2, 3],
    );
    assert.deepStrictEqual(span.attributes, [
      { key: 'i', value: { type: 'int', value: -5n } },
      { key: 'd', value: { type: 'double', value: 1.5 } },
      { key: 'b', value: { type: 'bool', value: true } },
      { key: 'y', value: { type: 'bytes', value: new Uint8Array([1, 2]) } },
      { key: 'a', value: { type: 'array', value: [{ type: 'string', value: 'x' }] } },
      { key: 'm', value: { type: 'kvlist', value: [{ key: 'k', value: { type: 'int', value: 1n } }] } },
    ]);
    assert.deepStrictEqual(span.events, [{ timeUnixNano: 15n, name: 'e', attributes: [], droppedAttributesCount: 4 }]);
    assert.deepStrictEqual(span.links, [
      { traceId: TRACE_ID, spanId: PARENT_ID, traceState: 'c=d', attributes: [], droppedAttributesCount: 5, flags: 256 },
    ]);
  });

  void it('reads hex ids case-insensitively and stores them lower-case', () => {
    const span = decodeOne(goodSpan({ traceId: TRACE_ID.toUpperCase(), spanId: 'B7aD6b7169203331', parentSpanId: PARENT_ID.toUpperCase() }));
    assert.deepStrictEqual([span.traceId, span.spanId, span.parentSpanId], [TRACE_ID, SPAN_ID, PARENT_ID]);
  });

  void it('treats an empty parentSpanId as a root span', () => {
    assert.equal(decodeOne(goodSpan({ parentSpanId: '' })).parentSpanId, '');
  });

  void it('accepts enums as integers or as their names', () => {
    const span = decodeOne(goodSpan({ kind: 'SPAN_KIND_CONSUMER', status: { code: 'STATUS_CODE_ERROR', message: 'm' } }));
    assert.deepStrictEqual([span.kind, span.statusCode, span.statusMessage], [5, 2, 'm']);
  });

  void it('ignores unknown fields at every level', () => {
    const body = JSON.stringify({
      extra: 1,
      resourceSpans: [{ extra: {}, schemaUrl: 'x', scopeSpans: [{ extra: [], scope: { name: 'n', extra: 1 }, spans: [goodSpan({ extra: 'y', attributes: [{ key: 'k', extra: 2, value: { extra: 3, stringValue: 'v' } }] })] }] }],
    });
    const [span] = decodeTracesJson(body, 'acme').spans;
    assert.deepStrictEqual(span?.attributes, [{ key: 'k', value: { type: 'string', value: 'v' } }]);
  });

  void it('reads doubles given as strings, including NaN and Infinity', () => {
    const span = decodeOne(goodSpan({
      attributes: [
        { key: 'a', value: { doubleValue: 'NaN' } },
        { key: 'b', value: { doubleValue: '-Infinity' } },
        { key: 'c', value: { doubleValue: '2.5' } },
      ],
    }));
    assert.deepStrictEqual(span.attributes.map((a) => a.value), [
      { type: 'double', value: NaN },
      { type: 'double', value: -Infinity },
      { type: 'double', value: 2.5 },
    ]);
  });

  void it('decodes url-safe and unpadded base64 bytes', () => {
    const span = decodeOne(goodSpan({ attributes: [{ key: 'b', value: { bytesValue: '-_8' } }] }));
    assert.deepStrictEqual(span.attributes[0]?.value, { type: 'bytes', value: new Uint8Array([0xfb, 0xff]) });
  });
});

void describe('decodeTracesJson: 64-bit values are exact', () => {
  void it('parses decimal strings straight into bigint', () => {
    const span = decodeOne(goodSpan({
      startTimeUnixNano: '1700000000123456789',
      endTimeUnixNano: '18446744073709551615',
      attributes: [{ key: 'min', value: { intValue: '-9223372036854775808' } }],
    }));
    assert.equal(span.startTimeUnixNano, 1700000000123456789n);
    assert.equal(span.endTimeUnixNano, 18446744073709551615n);
    assert.deepStrictEqual(span.attributes[0]?.value, { type: 'int', value: -9223372036854775808n });
  });

  void it('reads bare JSON numbers beyond 2^53 from their source text, not a rounded double', () => {
    const body = request([
      goodSpan({
        startTimeUnixNano: '@start',
        endTimeUnixNano: '@end',
        attributes: [{ key: 'big', value: { intValue: '@int' } }, stringAttr('text', '1700000000123456789')],
      }),
    ])
      .replace('"@start"', '1700000000123456789')
      .replace('"@end"', '18446744073709551615')
      .replace('"@int"', '9223372036854775807');
    const [span] = decodeTracesJson(body, 'acme').spans;
    assert.equal(span?.startTimeUnixNano, 1700000000123456789n);
    assert.equal(span.endTimeUnixNano, 18446744073709551615n);
    assert.deepStrictEqual(span.attributes, [
      { key: 'big', value: { type: 'int', value: 9223372036854775807n } },
      // String content that looks like a number is left alone.
      { key: 'text', value: { type: 'string', value: '1700000000123456789' } },
    ]);
  });

  void it('round-trips any uint64 string and any int64 number or string (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
        fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
        fc.boolean(),
        (start, int, bare) => {
          const intJson = bare ? int.toString() : JSON.stringify(int.toString());
          const body = request([
            goodSpan({ startTimeUnixNano: start.toString(), endTimeUnixNano: start.toString(), attributes: [{ key: 'i', value: { intValue: '@int' } }] }),
          ]).replace('"@int"', intJson);
          const [span] = decodeTracesJson(body, 'acme').spans;
          assert.equal(span?.startTimeUnixNano, start);
          assert.deepStrictEqual(span.attributes[0]?.value, { type: 'int', value: int });
        },
      ),
    );
  });
});

void describe('decodeTracesJson: rejection rules', () => {
  const longValue = 'x'.repeat(defaultTraceDecodeLimits.maxAttributeValueBytes + 1);
  const cases: { rule: string; span: unknown; message: string }[] = [
    { rule: 'short traceId', span: goodSpan({ traceId: TRACE_ID.slice(2) }), message: 'trace_id must be 32 hex characters, got 30' },
    // 16 bytes in base64 is 24 characters; OTLP/JSON ids are hex, never base64.
    { rule: 'base64 traceId', span: goodSpan({ traceId: Buffer.from(TRACE_ID, 'hex').toString('base64') }), message: 'trace_id must be 32 hex characters, got 24' },
    { rule: 'non-hex traceId', span: goodSpan({ traceId: `${TRACE_ID.slice(0, 31)}g` }), message: 'trace_id is not hex: character 31 is "g"' },
    { rule: 'zero traceId', span: goodSpan({ traceId: '0'.repeat(32) }), message: 'trace_id must not be all zeros' },
    { rule: 'missing traceId', span: goodSpan({ traceId: undefined }), message: 'trace_id must be a hex string' },
    { rule: 'numeric traceId', span: goodSpan({ traceId: 12 }), message: 'trace_id must be a hex string' },
    { rule: 'zero spanId', span: goodSpan({ spanId: '0000000000000000' }), message: 'span_id must not be all zeros' },
    { rule: 'long spanId', span: goodSpan({ spanId: `${SPAN_ID}00` }), message: 'span_id must be 16 hex characters, got 18' },
    { rule: 'short parentSpanId', span: goodSpan({ parentSpanId: 'abcd' }), message: 'parent_span_id must be 16 hex characters, got 4' },
    { rule: 'zero start time', span: goodSpan({ startTimeUnixNano: '0', endTimeUnixNano: '5' }), message: 'start_time_unix_nano must not be 0' },
    { rule: 'missing start time', span: goodSpan({ startTimeUnixNano: undefined }), message: 'start_time_unix_nano must not be 0' },
    { rule: 'end before start', span: goodSpan({ endTimeUnixNano: '1699999999999999999' }), message: 'end_time_unix_nano 1699999999999999999 is before start_time_unix_nano 1700000000000000000' },
    { rule: 'uint64 overflow', span: goodSpan({ endTimeUnixNano: '18446744073709551616' }), message: 'end_time_unix_nano must be an unsigned 64-bit integer' },
    { rule: 'hex time string', span: goodSpan({ startTimeUnixNano: '0x10' }), message: 'start_time_unix_nano must be an unsigned 64-bit integer' },
    { rule: 'negative time', span: goodSpan({ startTimeUnixNano: -1 }), message: 'start_time_unix_nano must be an unsigned 64-bit integer' },
    { rule: 'fractional time', span: goodSpan({ startTimeUnixNano: 1.5 }), message: 'start_time_unix_nano must be an unsigned 64-bit integer' },
    { rule: 'kind above 5', span: goodSpan({ kind: 6 }), message: 'kind must be 0..5, got 6' },
    { rule: 'unknown kind name', span: goodSpan({ kind: 'SPAN_KIND_SIDEWAYS' }), message: 'kind must be an integer' },
    { rule: 'status code above 2', span: goodSpan({ status: { code: 3 } }), message: 'status code must be 0..2, got 3' },
    { rule: 'status not an object', span: goodSpan({ status: 'ok' }), message: 'status must be an object' },
    { rule: 'numeric name', span: goodSpan({ name: 5 }), message: 'name must be a string' },
    { rule: 'name over maxSpanNameBytes', span: goodSpan({ name: '€'.repeat(400) }), message: 'name is 1200 bytes, limit maxSpanNameBytes=1024' },
    { rule: 'negative flags', span: goodSpan({ flags: -1 }), message: 'flags must be an unsigned 32-bit integer' },
    { rule: 'span not an object', span: 'span', message: 'span must be an object' },
    {
      rule: 'too many attributes',
      span: goodSpan({ attributes: Array.from({ length: 129 }, (_, i) => stringAttr(`k${i}`, 'v')) }),
      message: '129 attributes, limit maxAttributes=128',
    },
    { rule: 'too many events', span: goodSpan({ events: Array.from({ length: 129 }, () => ({ timeUnixNano: '1' })) }), message: '129 events, limit maxEvents=128' },
    { rule: 'too many links', span: goodSpan({ links: Array.from({ length: 129 }, () => ({ traceId: TRACE_ID, spanId: SPAN_ID })) }), message: '129 links, limit maxLinks=128' },
    { rule: 'attributes not an array', span: goodSpan({ attributes: { k: 'v' } }), message: 'attributes must be an array' },
    { rule: 'events not an array', span: goodSpan({ events: {} }), message: 'events must be an array' },
    { rule: 'long string attribute', span: goodSpan({ attributes: [stringAttr('big', longValue)] }), message: "attribute 'big' value is 16385 bytes, limit maxAttributeValueBytes=16384" },
    {
      rule: 'long bytes attribute',
      span: goodSpan({ attributes: [{ key: 'blob', value: { bytesValue: Buffer.alloc(16385).toString('base64') } }] }),
      message: "attribute 'blob' value is 16385 bytes",
    },
    {
      rule: 'long value nested in an array',
      span: goodSpan({ attributes: [{ key: 'list', value: { arrayValue: { values: [{ stringValue: 'ok' }, { stringValue: longValue }] } } }] }),
      message: "attribute 'list' value is 16385 bytes",
    },
    {
      rule: 'long value nested in a kvlist',
      span: goodSpan({ attributes: [{ key: 'map', value: { kvlistValue: { values: [stringAttr('inner', longValue)] } } }] }),
      message: "attribute 'inner' value is 16385 bytes",
    },
    {
      rule: 'long event attribute',
      span: goodSpan({ events: [{ timeUnixNano: '1', attributes: [stringAttr('ev', longValue)] }] }),
      message: "event attribute 'ev' value is 16385 bytes",
    },
    {
      rule: 'long link attribute',
      span: goodSpan({ links: [{ traceId: TRACE_ID, spanId: SPAN_ID, attributes: [stringAttr('ln', longValue)] }] }),
      message: "link attribute 'ln' value is 16385 bytes",
    },
    { rule: 'empty attribute key', span: goodSpan({ attributes: [stringAttr('', 'v')] }), message: 'attribute with an empty key' },
    { rule: 'missing attribute key', span: goodSpan({ attributes: [{ value: { stringValue: 'v' } }] }), message: 'attribute key must be a string' },
    { rule: 'numeric stringValue', span: goodSpan({ attributes: [{ key: 's', value: { stringValue: 5 } }] }), message: "attribute 's' stringValue must be a string" },
    { rule: 'string boolValue', span: goodSpan({ attributes: [{ key: 'b', value: { boolValue: 'true' } }] }), message: "attribute 'b' boolValue must be a boolean" },
    { rule: 'int64 overflow', span: goodSpan({ attributes: [{ key: 'i', value: { intValue: '9223372036854775808' } }] }), message: "attribute 'i' intValue must be a 64-bit integer" },
    { rule: 'invalid base64', span: goodSpan({ attributes: [{ key: 'y', value: { bytesValue: 'a b' } }] }), message: "attribute 'y' bytesValue is not base64" },
    {
      rule: 'nesting deeper than 32 levels',
      span: goodSpan({ attributes: [{ key: 'deep', value: nestedArrays(40) }] }),
      message: "attribute 'deep' nests deeper than 32 levels",
    },
    { rule: 'bad link traceId', span: goodSpan({ links: [{ traceId: 'abc', spanId: SPAN_ID }] }), message: 'link trace_id must be 32 hex characters, got 3' },
  ];

  for (const { rule, span, message } of cases) {
    void it(`rejects only the span with: ${rule}`, () => {
      const result = decodeTracesJson(request([goodSpan(), span]), 'acme');
      assert.equal(result.spans.length, 1);
      assert.equal(result.spans[0]?.name, 'work');
      assert.equal(result.rejectedSpans, 1);
      assert.ok(result.errorMessage.startsWith('1 span rejected: resource 0 scope 0 span 1: '), result.errorMessage);
      assert.ok(result.errorMessage.includes(message), `${result.errorMessage}\n  should mention: ${message}`);
    });
  }

  void it('rejects every span of a resource whose attributes break a rule', () => {
    const result = decodeTracesJson(request([goodSpan(), goodSpan()], [stringAttr('', 'v')]), 'acme');
    assert.equal(result.spans.length, 0);
    assert.equal(result.rejectedSpans, 2);
    assert.equal(result.errorMessage, '2 spans rejected: resource 0: resource attribute with an empty key');
  });

  void it('rejects every span of a scope whose name is not a string', () => {
    const result = decodeTracesJson(request([goodSpan(), goodSpan()], [], { name: 7 }), 'acme');
    assert.equal(result.rejectedSpans, 2);
    assert.equal(result.errorMessage, '2 spans rejected: resource 0 scope 0: scope name must be a string');
  });
});

function nestedArrays(depth: number): object {
  let value: object = { stringValue: 'leaf' };
  for (let i = 0; i < depth; i++) value = { arrayValue: { values: [value] } };
  return value;
}

void describe('decodeTracesJson: undecodable bodies', () => {
  const cases: { what: string; body: string; message: RegExp }[] = [
    { what: 'invalid JSON', body: '{"resourceSpans": [}', message: /^invalid JSON: Unexpected token/ },
    { what: 'truncated JSON', body: '{"resourceSpans": [', message: /^invalid JSON: Unexpected end of JSON input/ },
    { what: 'an empty body', body: '', message: /^invalid JSON: / },
    { what: 'a JSON array', body: '[]', message: /^request body must be a JSON object$/ },
    { what: 'a JSON string', body: '"x"', message: /^request body must be a JSON object$/ },
    { what: 'resourceSpans not an array', body: '{"resourceSpans":{}}', message: /^resourceSpans must be an array$/ },
    { what: 'a resourceSpans entry not an object', body: '{"resourceSpans":[{},7]}', message: /^resourceSpans\[1\] must be an object$/ },
    { what: 'resource not an object', body: '{"resourceSpans":[{"resource":[]}]}', message: /^resourceSpans\[0\]\.resource must be an object$/ },
    { what: 'scopeSpans not an array', body: '{"resourceSpans":[{"scopeSpans":"x"}]}', message: /^resourceSpans\[0\]\.scopeSpans must be an array$/ },
    { what: 'scope not an object', body: '{"resourceSpans":[{"scopeSpans":[{"scope":1}]}]}', message: /^resourceSpans\[0\]\.scopeSpans\[0\]\.scope must be an object$/ },
    { what: 'spans not an array', body: '{"resourceSpans":[{"scopeSpans":[{"spans":{}}]}]}', message: /^resourceSpans\[0\]\.scopeSpans\[0\]\.spans must be an array$/ },
  ];
  for (const { what, body, message } of cases) {
    void it(`throws OtlpDecodeError for ${what}`, () => {
      assert.throws(() => decodeTracesJson(body, 'acme'), (err: unknown) => {
        assert.ok(err instanceof OtlpDecodeError);
        assert.match(err.message, message);
        return true;
      });
    });
  }

  void it('decodes an empty request object as no spans', () => {
    assert.deepStrictEqual(decodeTracesJson('{}', 'acme'), { spans: [], rejectedSpans: 0, errorMessage: '' });
  });

  void it('only ever throws OtlpDecodeError on arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const body of [JSON.stringify(value), JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [value] }] }] })]) {
          try {
            decodeTracesJson(body, 'acme');
          } catch (err) {
            assert.ok(err instanceof OtlpDecodeError, String(err));
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
