// OTLP/HTTP receiver: POST /v1/traces with protobuf or JSON, optionally gzip. A 200 is sent only
// after the sink made every accepted span durable; anything else tells the client to keep its data.
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { OtlpDecodeError, decodeTracesJson, decodeTracesProtobuf } from '../otlp/decode-traces.ts';
import type { TraceDecodeLimits } from '../otlp/decode-traces.ts';
import { HttpError } from '../receiver/http-error.ts';
import { exportResponse, grpcCodeForHttp, statusResponse } from '../receiver/otlp-response.ts';
import type { ReceiverMetrics } from '../receiver/receiver-metrics.ts';
import { bodyEncoding, decompress } from '../receiver/request-body.ts';
import type { BodyEncoding } from '../receiver/request-body.ts';
import type { SpanSink } from '../receiver/span-sink.ts';

export interface OtlpHttpOptions {
  readonly tenant: string;
  readonly maxRequestBytes: number;
  readonly maxInflightBytes: number;
  readonly limits: TraceDecodeLimits;
  readonly sink: SpanSink;
  readonly metrics: ReceiverMetrics;
}

const CONTENT_TYPE: Record<BodyEncoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/**
 * A fastify plugin (encapsulated: its raw-body parsers apply to its own routes only). Register with
 * `app.register(otlpHttpRoutes, options)`.
 */
export const otlpHttpRoutes: FastifyPluginCallback<OtlpHttpOptions> = (app, opts, done) => {
  let inflight = 0;

  // Bodies arrive as raw bytes; decoding (and gzip) is ours, so limits apply to inflated size.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.maxRequestBytes }, (_req, body, done) => {
    done(null, body);
  });

  app.post('/v1/traces', async (req: FastifyRequest, reply: FastifyReply) => {
    let encoding: BodyEncoding = 'protobuf';
    let held = 0;
    try {
      encoding = bodyEncoding(req.headers['content-type']);
      if (!Buffer.isBuffer(req.body)) throw new HttpError(400, 'request body is empty');
      if (inflight + req.body.length > opts.maxInflightBytes) {
        throw new HttpError(429, 'receiver is at its in-flight limit, retry later', 1);
      }
      const body = await decompress(req.body, req.headers['content-encoding'], opts.maxRequestBytes);
      held = body.length;
      inflight += held;
      opts.metrics.inflightBytes.set(inflight);
      const decoded =
        encoding === 'protobuf'
          ? decodeTracesProtobuf(body, opts.tenant, opts.limits)
          : decodeTracesJson(body, opts.tenant, opts.limits);
      await opts.sink.publish(decoded.spans);
      opts.metrics.items.inc({ signal: 'traces', outcome: 'accepted' }, decoded.spans.length);
      if (decoded.rejectedSpans > 0) {
        opts.metrics.items.inc({ signal: 'traces', outcome: 'rejected_invalid' }, decoded.rejectedSpans);
      }
      opts.metrics.requests.inc({ signal: 'traces', code: '200' });
      return await reply
        .code(200)
        .type(CONTENT_TYPE[encoding])
        .send(exportResponse(encoding, 'rejectedSpans', decoded.rejectedSpans, decoded.errorMessage));
    } catch (err) {
      return await sendError(req, reply, encoding, err, opts.metrics);
    } finally {
      inflight -= held;
      opts.metrics.inflightBytes.set(inflight);
    }
  });
  done();
};

function sendError(req: FastifyRequest, reply: FastifyReply, encoding: BodyEncoding, err: unknown, metrics: ReceiverMetrics): FastifyReply {
  const httpErr =
    err instanceof HttpError
      ? err
      : err instanceof OtlpDecodeError
        ? new HttpError(400, err.message)
        : new HttpError(500, 'internal error');
  if (httpErr.statusCode >= 500) req.log.error({ err: httpErr.cause ?? err }, httpErr.message);
  metrics.requests.inc({ signal: 'traces', code: String(httpErr.statusCode) });
  if (httpErr.retryAfterSeconds !== undefined) void reply.header('retry-after', String(httpErr.retryAfterSeconds));
  return reply
    .code(httpErr.statusCode)
    .type(CONTENT_TYPE[encoding])
    .send(statusResponse(encoding, grpcCodeForHttp(httpErr.statusCode), httpErr.message));
}
