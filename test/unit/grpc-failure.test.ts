// The OTLP/gRPC error mapping: which status each receiver error becomes, what the client sees,
// and which failures carry retry hints (RESOURCE_EXHAUSTED is only retried with RetryInfo).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { grpcFailureFor, statusName, toStatusResponse } from '../../collector/grpc/grpc-failure.ts';
import { statusWithRetryInfo } from '../../collector/grpc/retry-info.ts';
import { OtlpDecodeError } from '../../collector/otlp/decode-error.ts';
import { HttpError } from '../../common/runtime/http-error.ts';

void describe('grpcFailureFor', () => {
  const cases: { what: string; err: unknown; code: status; details: string; retry: number | undefined; log: boolean }[] = [
    { what: 'undecodable body', err: new OtlpDecodeError('invalid protobuf: x'), code: status.INVALID_ARGUMENT, details: 'invalid protobuf: x', retry: undefined, log: false },
    { what: '400', err: new HttpError(400, 'bad'), code: status.INVALID_ARGUMENT, details: 'bad', retry: undefined, log: false },
    { what: '401', err: new HttpError(401, 'who'), code: status.UNAUTHENTICATED, details: 'who', retry: undefined, log: false },
    { what: '403', err: new HttpError(403, 'no'), code: status.PERMISSION_DENIED, details: 'no', retry: undefined, log: false },
    { what: '413', err: new HttpError(413, 'too big'), code: status.RESOURCE_EXHAUSTED, details: 'too big', retry: undefined, log: false },
    { what: '429 with delay', err: new HttpError(429, 'busy', 3), code: status.RESOURCE_EXHAUSTED, details: 'busy', retry: 3, log: false },
    { what: '429 without delay', err: new HttpError(429, 'busy'), code: status.RESOURCE_EXHAUSTED, details: 'busy', retry: 1, log: false },
    { what: '503', err: new HttpError(503, 'later', 5), code: status.UNAVAILABLE, details: 'later', retry: 5, log: true },
    { what: '500', err: new HttpError(500, 'db password wrong'), code: status.INTERNAL, details: 'internal error', retry: undefined, log: true },
    { what: 'plain Error', err: new TypeError('x is undefined'), code: status.INTERNAL, details: 'internal error', retry: undefined, log: true },
    { what: 'non-Error', err: 'boom', code: status.INTERNAL, details: 'internal error', retry: undefined, log: true },
  ];
  for (const c of cases) {
    void it(`maps ${c.what} to ${statusName(c.code)}`, () => {
      assert.deepEqual(grpcFailureFor(c.err), { code: c.code, details: c.details, retryAfterSeconds: c.retry, logCause: c.log });
    });
  }
});

void describe('toStatusResponse', () => {
  void it('adds no trailers without a retry hint', () => {
    const response = toStatusResponse(grpcFailureFor(new HttpError(413, 'too big')));
    assert.equal(response.code, status.RESOURCE_EXHAUSTED);
    assert.deepEqual(response.metadata?.getMap(), {});
  });

  void it('adds pushback and RetryInfo with a retry hint', () => {
    const { metadata } = toStatusResponse(grpcFailureFor(new HttpError(429, 'busy', 2)));
    assert.ok(metadata !== undefined);
    assert.deepEqual(metadata.get('grpc-retry-pushback-ms'), ['2000']);
    assert.deepEqual(metadata.get('grpc-status-details-bin'), [statusWithRetryInfo(status.RESOURCE_EXHAUSTED, 'busy', 2000)]);
  });
});

void describe('statusWithRetryInfo', () => {
  const { root } = protobuf.parse(`
    syntax = "proto3";
    message Duration { int64 seconds = 1; int32 nanos = 2; }
    message RetryInfo { Duration retry_delay = 1; }
    message Any { string type_url = 1; bytes value = 2; }
    message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  `);
  const decode = (type: string, bytes: Uint8Array): Record<string, unknown> =>
    root.lookupType(type).toObject(root.lookupType(type).decode(bytes), { longs: Number, defaults: true });

  for (const [ms, seconds, nanos] of [[0, 0, 0], [1500, 1, 500_000_000], [86_400_000, 86_400, 0]] as const) {
    void it(`encodes a ${ms} ms delay as google.rpc.Status with RetryInfo`, () => {
      const decoded = decode('Status', statusWithRetryInfo(status.UNAVAILABLE, 'retry later é', ms)) as {
        code: number;
        message: string;
        details: { typeUrl: string; value: Uint8Array }[];
      };
      assert.equal(decoded.code, status.UNAVAILABLE);
      assert.equal(decoded.message, 'retry later é');
      assert.equal(decoded.details.length, 1);
      assert.equal(decoded.details[0]?.typeUrl, 'type.googleapis.com/google.rpc.RetryInfo');
      assert.deepEqual(decode('RetryInfo', decoded.details[0].value), { retryDelay: { seconds, nanos } });
    });
  }
});
