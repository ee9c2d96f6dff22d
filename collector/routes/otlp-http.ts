// OTLP/HTTP receiver: POST /v1/traces, /v1/logs, /v1/metrics with protobuf or JSON, optionally gzip.
// A 200 is sent only after the sink made every accepted item durable; anything else tells the
// client to keep its data.
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { OtlpDecodeError } from '../otlp/decode-traces.ts';
import { tenantFor } from '../../common/auth/api-keys.ts';
import type { ApiAuth } from '../../common/auth/api-keys.ts';
import { HttpError } from '../../common/runtime/http-error.ts';
import { exportResponse, grpcCodeForHttp, statusResponse } from '../receiver/otlp-response.ts';
import { countRejected } from '../receiver/receiver-metrics.ts';
import type { ReceiverMetrics } from '../receiver/receiver-metrics.ts';
import { bodyEncoding, decompress } from '../receiver/request-body.ts';
import type { BodyEncoding } from '../receiver/request-body.ts';
import type { RowSink } from '../receiver/row-sink.ts';
import type { Signal } from '../signals/signal.ts';

export interface OtlpHttpOptions {
  readonly signals: readonly Signal[];
  readonly auth: ApiAuth;
  readonly maxRequestBytes: number;
  readonly maxInflightBytes: number;
  readonly sink: RowSink;
  readonly metrics: ReceiverMetrics;
}

const CONTENT_TYPE: Record<BodyEncoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/**
 * A fastify plugin (encapsulated: its raw-body parsers apply to its own routes only). Register with
 * `app.register(otlpHttpRoutes, options)`. One POST route per signal, e.g. /v1/traces.
 */
export const otlpHttpRoutes: FastifyPluginCallback<OtlpHttpOptions> = (app, opts, done) => {
  const budget = { inflight: 0 };

  // Bodies arrive as raw bytes; decoding (and gzip) is ours, so limits apply to inflated size.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.maxRequestBytes }, (_req, body, done) => {
    done(null, body);
  });

  for (const signal of opts.signals) {
    app.post(signal.httpPath, (req, reply) => handleExport(signal, req, reply, opts, budget));
  }
  done();
};

async function handleExport(
  signal: Signal,
  req: FastifyRequest,
  reply: FastifyReply,
  opts: OtlpHttpOptions,
  budget: { inflight: number },
): Promise<FastifyReply> {
  let encoding: BodyEncoding = 'protobuf';
  let held = 0;
  try {
    encoding = bodyEncoding(req.headers['content-type']);
    const tenant = tenantFor(opts.auth, req.headers.authorization);
    if (!Buffer.isBuffer(req.body)) throw new HttpError(400, 'request body is empty');
    if (budget.inflight + req.body.length > opts.maxInflightBytes) {
      opts.metrics.items.inc({ signal: signal.name, outcome: 'rejected_overload' });
      throw new HttpError(429, 'receiver is at its in-flight limit, retry later', 1);
    }
    const body = await decompress(req.body, req.headers['content-encoding'], opts.maxRequestBytes);
    held = body.length;
    budget.inflight += held;
    opts.metrics.inflightBytes.set(budget.inflight);
    const decoded = signal.decode(body, encoding, tenant);
    await opts.sink.publish(signal, decoded.rows);
    opts.metrics.items.inc({ signal: signal.name, outcome: 'accepted' }, decoded.accepted);
    countRejected(opts.metrics, signal, decoded);
    opts.metrics.requests.inc({ signal: signal.name, code: '200' });
    return await reply
      .code(200)
      .type(CONTENT_TYPE[encoding])
      .send(exportResponse(encoding, signal.rejectedField, decoded.rejected, decoded.errorMessage));
  } catch (err) {
    return await sendError(signal, req, reply, encoding, err, opts.metrics);
  } finally {
    budget.inflight -= held;
    opts.metrics.inflightBytes.set(budget.inflight);
  }
}

function sendError(signal: Signal, req: FastifyRequest, reply: FastifyReply, encoding: BodyEncoding, err: unknown, metrics: ReceiverMetrics): FastifyReply {
  const httpErr =
    err instanceof HttpError
      ? err
      : err instanceof OtlpDecodeError
        ? new HttpError(400, err.message)
        : new HttpError(500, 'internal error');
  if (httpErr.statusCode >= 500) req.log.error({ err: httpErr.cause ?? err }, httpErr.message);
  metrics.requests.inc({ signal: signal.name, code: String(httpErr.statusCode) });
  if (httpErr.retryAfterSeconds !== undefined) void reply.header('retry-after', String(httpErr.retryAfterSeconds));
  return reply
    .code(httpErr.statusCode)
    .type(CONTENT_TYPE[encoding])
    .send(statusResponse(encoding, grpcCodeForHttp(httpErr.statusCode), httpErr.message));
}
