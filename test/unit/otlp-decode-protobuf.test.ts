// OTLP/protobuf trace decoding: round-trips bodies from the OpenTelemetry JS exporter's own
// serializer, then checks every rejection rule and undecodable-body case on hand-built requests.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import type { SpanRecord } from '../../common/model/span.ts';
import {
  decodeTracesProtobuf,
  defaultTraceDecodeLimits,
  OtlpDecodeError,
} from '../../collector/otlp/decode-traces.ts';
import { exportTraceServiceRequestType } from '../../collector/otlp/proto-schema.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const PARENT_ID = '00f067aa0ba902b7';

/** A ReadableSpan with every field the OTLP serializer writes set to a non-default value. */
function fullReadableSpan(options: { root?: boolean } = {}): ReadableSpan {
  const context = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, traceState: new TraceState('vendor=abc,other=1') };
  return {
    name: 'GET /users/:id',
    kind: SpanKind.SERVER, // OTLP numbers it 2
    spanContext: () => context,
    ...(options.root === true ? {} : { parentSpanContext: { traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: 1, isRemote: true } }),
    startTime: [1700000000, 123456789],
    endTime: [1700000001, 987654321],
    status: { code: SpanStatusCode.ERROR, message: 'upstream timed out' },
    // OTLP AnyValue attributes (bytes, maps, mixed arrays) that the 1.9 API type does not list;
    // the serializer encodes them, which is what these tests feed the decoder.
    attributes: {
      'http.method': 'GET',
      'http.status_code': 504,
      'retry.negative': -42,
      'ratio': 0.25,
      'cache.hit': false,
      'payload': new Uint8Array([0, 1, 2, 254, 255]),
      'tags': ['a', 7, true, [1.5, 'nested']],
      'user': { id: 'u-1', roles: ['admin'], limits: { daily: 100 } },
      'nothing': null,
    } as unknown as Attributes,
    links: [
      {
        context: { traceId: 'f'.repeat(32), spanId: '1'.repeat(16), traceFlags: 1, traceState: new TraceState('l=1'), isRemote: true },
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
  // Trace flags 0x01 | HAS_IS_REMOTE 0x100 | IS_REMOTE 0x200 (the parent is remote).
  flags: 0x301,
  name: 'GET /users/:id',
  kind: 2,
  startTimeUnixNano: 1700000000123456789n,
  endTimeUnixNano: 1700000001987654321n,
  statusCode: 2,
  statusMessage: 'upstream timed out',
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
    { key: 'http.status_code', value: { type: 'int', value: 504n } },
    { key: 'retry.negative', value: { type: 'int', value: -42n } },
    { key: 'ratio', value: { type: 'double', value: 0.25 } },
    { key: 'cache.hit', value: { type: 'bool', value: false } },
    { key: 'payload', value: { type: 'bytes', value: new Uint8Array([0, 1, 2, 254, 255]) } },
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
      flags: 0x301,
    },
  ],
  droppedLinksCount: 5,
};

function serialize(spans: ReadableSpan[]): Uint8Array {
  const body = ProtobufTraceSerializer.serializeRequest(spans);
  assert.ok(body);
  return body;
}

// Hand-built requests, encoded with Cairn's own schema so ids, times and enums can be invalid.
type PlainSpan = Record<string, unknown>;

function goodSpan(overrides: PlainSpan = {}): PlainSpan {
  return {
    traceId: Buffer.from(TRACE_ID, 'hex'),
    spanId: Buffer.from(SPAN_ID, 'hex'),
    name: 'work',
    kind: 1,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000000001000',
    attributes: [{ key: 'k', value: { stringValue: 'v' } }],
    ...overrides,
  };
}

function encode(spans: PlainSpan[], resourceAttributes: unknown[] = [], scope: object = { name: 's', version: '1' }): Uint8Array {
  const request = {
    resourceSpans: [{ resource: { attributes: resourceAttributes }, scopeSpans: [{ scope, spans }] }],
  };
  return exportTraceServiceRequestType.encode(exportTraceServiceRequestType.fromObject(request)).finish();
}

function stringAttr(key: string, value: string): object {
  return { key, value: { stringValue: value } };
}

void describe('decodeTracesProtobuf: round trip from the OTel JS serializer', () => {
  void it('keeps every field of a fully populated span', () => {
    const result = decodeTracesProtobuf(serialize([fullReadableSpan()]), 'acme');
    assert.equal(result.rejectedSpans, 0);
    assert.equal(result.errorMessage, '');
    assert.deepStrictEqual(result.spans, [expectedFullSpan]);
  });

  void it('decodes a root span with defaults: no parent, kind INTERNAL, unset status, local flags', () => {
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
    const [span] = decodeTracesProtobuf(serialize([root]), 'acme').spans;
    assert.ok(span);
    assert.equal(span.parentSpanId, '');
    assert.equal(span.kind, 1);
    assert.equal(span.statusCode, 0);
    assert.equal(span.statusMessage, '');
    assert.equal(span.flags, 0x101);
    assert.equal(span.serviceName, 'unknown_service');
    assert.deepStrictEqual(span.resourceAttributes, []);
    assert.equal(span.scopeName, 'bare');
    assert.equal(span.scopeVersion, '');
    assert.deepStrictEqual([span.attributes, span.events, span.links], [[], [], []]);
  });

  void it('keeps spans of several resources and scopes apart', () => {
    const a = fullReadableSpan();
    const b = { ...fullReadableSpan(), resource: resourceFromAttributes({ 'service.name': 'billing' }) };
    const c = { ...fullReadableSpan(), instrumentationScope: { name: 'other', version: '9' } };
    const spans = decodeTracesProtobuf(serialize([a, b, c]), 'acme').spans;
    assert.deepStrictEqual(
      spans.map((s) => `${s.serviceName}/${s.scopeName}@${s.scopeVersion}`).sort(),
      ['billing/@cairn/test-instrumentation@1.2.3', 'checkout/@cairn/test-instrumentation@1.2.3', 'checkout/other@9'],
    );
  });

  void it('decodes an empty body as an empty request', () => {
    assert.deepStrictEqual(decodeTracesProtobuf(new Uint8Array(0), 'acme'), { spans: [], rejectedSpans: 0, errorMessage: '' });
  });

  void it('accepts a plain Uint8Array as well as a Buffer, at a non-zero offset', () => {
    const body = serialize([fullReadableSpan()]);
    const padded = new Uint8Array(body.length + 7);
    padded.set(body, 7);
    assert.deepStrictEqual(decodeTracesProtobuf(padded.subarray(7), 'acme').spans, [expectedFullSpan]);
  });
});

void describe('decodeTracesProtobuf: 64-bit values are exact', () => {
  void it('keeps nanosecond timestamps beyond 2^53', () => {
    const body = encode([
      goodSpan({
        startTimeUnixNano: '1700000000123456789',
        endTimeUnixNano: '18446744073709551615',
        events: [{ timeUnixNano: '1700000000123456790', name: 'e' }],
      }),
    ]);
    const [span] = decodeTracesProtobuf(body, 'acme').spans;
    assert.equal(span?.startTimeUnixNano, 1700000000123456789n);
    assert.equal(span.endTimeUnixNano, 18446744073709551615n);
    assert.equal(span.events[0]?.timeUnixNano, 1700000000123456790n);
  });

  void it('keeps int64 attribute values at both ends of the range', () => {
    const body = encode([
      goodSpan({
        attributes: [
          { key: 'min', value: { intValue: '-9223372036854775808' } },
          { key: 'max', value: { intValue: '9223372036854775807' } },
        ],
      }),
    ]);
    const [span] = decodeTracesProtobuf(body, 'acme').spans;
    assert.deepStrictEqual(span?.attributes, [
      { key: 'min', value: { type: 'int', value: -9223372036854775808n } },
      { key: 'max', value: { type: 'int', value: 9223372036854775807n } },
    ]);
  });

  void it('round-trips any uint64 timestamp pair and int64 attribute (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (start, int) => {
        const body = encode([
          goodSpan({
            startTimeUnixNano: start.toString(),
            endTimeUnixNano: start.toString(),
            attributes: [{ key: 'i', value: { intValue: int.toString() } }],
          }),
        ]);
        const [span] = decodeTracesProtobuf(body, 'acme').spans;
        assert.equal(span?.startTimeUnixNano, start);
        assert.deepStrictEqual(span.attributes[0]?.value, { type: 'int', value: int });
      }),
    );
  });
});

void describe('decodeTracesProtobuf: rejection rules', () => {
  const longValue = 'x'.repeat(defaultTraceDecodeLimits.maxAttributeValueBytes + 1);
  const cases: { rule: string; span: PlainSpan; message: string }[] = [
    { rule: 'short trace_id', span: goodSpan({ traceId: Buffer.alloc(15, 1) }), message: 'trace_id must be 16 bytes, got 15' },
    { rule: 'zero trace_id', span: goodSpan({ traceId: Buffer.alloc(16) }), message: 'trace_id must not be all zeros' },
    { rule: 'missing trace_id', span: goodSpan({ traceId: Buffer.alloc(0) }), message: 'trace_id must be 16 bytes, got 0' },
    { rule: 'long span_id', span: goodSpan({ spanId: Buffer.alloc(9, 1) }), message: 'span_id must be 8 bytes, got 9' },
    { rule: 'zero span_id', span: goodSpan({ spanId: Buffer.alloc(8) }), message: 'span_id must not be all zeros' },
    { rule: 'short parent_span_id', span: goodSpan({ parentSpanId: Buffer.alloc(4, 1) }), message: 'parent_span_id must be 8 bytes, got 4' },
    { rule: 'zero parent_span_id', span: goodSpan({ parentSpanId: Buffer.alloc(8) }), message: 'parent_span_id must not be all zeros' },
    { rule: 'zero start time', span: goodSpan({ startTimeUnixNano: '0', endTimeUnixNano: '5' }), message: 'start_time_unix_nano must not be 0' },
    {
      rule: 'end before start',
      span: goodSpan({ endTimeUnixNano: '1699999999999999999' }),
      message: 'end_time_unix_nano 1699999999999999999 is before start_time_unix_nano 1700000000000000000',
    },
    { rule: 'kind above 5', span: goodSpan({ kind: 6 }), message: 'kind must be 0..5, got 6' },
    { rule: 'negative kind', span: goodSpan({ kind: -1 }), message: 'kind must be 0..5, got -1' },
    { rule: 'status code above 2', span: goodSpan({ status: { code: 3 } }), message: 'status code must be 0..2, got 3' },
    {
      // 400 three-byte characters: under the limit in UTF-16 units, over it in UTF-8 bytes.
      rule: 'name over maxSpanNameBytes',
      span: goodSpan({ name: '€'.repeat(400) }),
      message: 'name is 1200 bytes, limit maxSpanNameBytes=1024',
    },
    {
      rule: 'too many attributes',
      span: goodSpan({ attributes: Array.from({ length: 129 }, (_, i) => stringAttr(`k${i}`, 'v')) }),
      message: '129 attributes, limit maxAttributes=128',
    },
    {
      rule: 'too many events',
      span: goodSpan({ events: Array.from({ length: 129 }, () => ({ timeUnixNano: '1', name: 'e' })) }),
      message: '129 events, limit maxEvents=128',
    },
    {
      rule: 'too many links',
      span: goodSpan({ links: Array.from({ length: 129 }, () => ({ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 1) })) }),
      message: '129 links, limit maxLinks=128',
    },
    {
      rule: 'too many event attributes',
      span: goodSpan({ events: [{ timeUnixNano: '1', attributes: Array.from({ length: 129 }, (_, i) => stringAttr(`k${i}`, 'v')) }] }),
      message: '129 event attributes, limit maxAttributes=128',
    },
    {
      rule: 'long string attribute',
      span: goodSpan({ attributes: [stringAttr('big', longValue)] }),
      message: "attribute 'big' value is 16385 bytes, limit maxAttributeValueBytes=16384",
    },
    {
      rule: 'long bytes attribute',
      span: goodSpan({ attributes: [{ key: 'blob', value: { bytesValue: Buffer.alloc(16385) } }] }),
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
      span: goodSpan({ events: [{ timeUnixNano: '1', name: 'e', attributes: [stringAttr('ev', longValue)] }] }),
      message: "event attribute 'ev' value is 16385 bytes",
    },
    {
      rule: 'long link attribute',
      span: goodSpan({ links: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 1), attributes: [stringAttr('ln', longValue)] }] }),
      message: "link attribute 'ln' value is 16385 bytes",
    },
    { rule: 'empty attribute key', span: goodSpan({ attributes: [stringAttr('', 'v')] }), message: 'attribute with an empty key' },
    {
      rule: 'empty key nested in a kvlist',
      span: goodSpan({ attributes: [{ key: 'map', value: { kvlistValue: { values: [stringAttr('', 'v')] } } }] }),
      message: 'attribute with an empty key',
    },
    {
      rule: 'bad link trace_id',
      span: goodSpan({ links: [{ traceId: Buffer.alloc(3, 1), spanId: Buffer.alloc(8, 1) }] }),
      message: 'link trace_id must be 16 bytes, got 3',
    },
    {
      rule: 'zero link span_id',
      span: goodSpan({ links: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8) }] }),
      message: 'link span_id must not be all zeros',
    },
  ];

  for (const { rule, span, message } of cases) {
    void it(`rejects only the span with: ${rule}`, () => {
      const result = decodeTracesProtobuf(encode([goodSpan(), span]), 'acme');
      assert.equal(result.spans.length, 1);
      assert.equal(result.spans[0]?.name, 'work');
      assert.equal(result.rejectedSpans, 1);
      assert.ok(result.errorMessage.startsWith('1 span rejected: resource 0 scope 0 span 1: '), result.errorMessage);
      assert.ok(result.errorMessage.includes(message), `${result.errorMessage}\n  should mention: ${message}`);
    });
  }

  void it('rejects every span of a resource whose attributes break a limit', () => {
    const result = decodeTracesProtobuf(encode([goodSpan(), goodSpan()], [stringAttr('service.name', 'x'.repeat(20000))]), 'acme');
    assert.equal(result.spans.length, 0);
    assert.equal(result.rejectedSpans, 2);
    assert.match(result.errorMessage, /^2 spans rejected: resource 0: resource attribute 'service.name' value is 20000 bytes/);
  });

  void it('applies caller-supplied limits', () => {
    const limits = { ...defaultTraceDecodeLimits, maxAttributes: 1 };
    const twoAttributes = goodSpan({ attributes: [stringAttr('a', '1'), stringAttr('b', '2')] });
    const result = decodeTracesProtobuf(encode([goodSpan(), twoAttributes]), 'acme', limits);
    assert.equal(result.rejectedSpans, 1);
    assert.match(result.errorMessage, /2 attributes, limit maxAttributes=1/);
  });

  void it('keeps the error message short however many spans are rejected', () => {
    const bad = Array.from({ length: 500 }, () => goodSpan({ kind: 99, name: 'n'.repeat(1000) }));
    const result = decodeTracesProtobuf(encode(bad), 'acme');
    assert.equal(result.rejectedSpans, 500);
    assert.ok(result.errorMessage.startsWith('500 spans rejected: resource 0 scope 0 span 0: kind must be 0..5, got 99; '));
    assert.ok(result.errorMessage.endsWith('; ...'));
    assert.ok(result.errorMessage.length < 1000);
  });
});

void describe('decodeTracesProtobuf: undecodable bodies', () => {
  const cases: { what: string; body: Uint8Array; message: RegExp }[] = [
    { what: 'a truncated body', body: serialize([fullReadableSpan()]).subarray(0, 200), message: /^invalid protobuf: .*index out of range.*at byte offset \d+/ },
    // Field 5 is unknown, so protobufjs has to skip it by wire type.
    { what: 'an invalid wire type', body: new Uint8Array([0x2f]), message: /^invalid protobuf: invalid wire type 7 at offset 1/ },
    { what: 'a length beyond the body', body: new Uint8Array([0x0a, 0x05, 0x01]), message: /^invalid protobuf: index out of range/ },
    { what: 'JSON sent as protobuf', body: Buffer.from('{"resourceSpans":[]}'), message: /^invalid protobuf: / },
  ];
  for (const { what, body, message } of cases) {
    void it(`throws OtlpDecodeError for ${what}`, () => {
      assert.throws(() => decodeTracesProtobuf(body, 'acme'), (err: unknown) => {
        assert.ok(err instanceof OtlpDecodeError);
        assert.match(err.message, message);
        return true;
      });
    });
  }

  void it('only ever throws OtlpDecodeError on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeTracesProtobuf(bytes, 'acme');
        } catch (err) {
          assert.ok(err instanceof OtlpDecodeError, String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
