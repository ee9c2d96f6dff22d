// OTLP/gRPC receiver: one unary Export method per signal, answered only after the sink made every
// accepted item durable, so any error status tells the client to keep its data. Messages stay raw
// bytes end to end: grpc-js frames, gunzips and size-checks them, the signal decodes them.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { Metadata, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import type { Logger } from '../../common/runtime/logger.ts';
import { tenantFor } from '../../common/auth/api-keys.ts';
import type { ApiAuth } from '../../common/auth/api-keys.ts';
import { HttpError } from '../../common/runtime/http-error.ts';
import { exportResponse } from '../receiver/otlp-response.ts';
import { countRejected } from '../receiver/receiver-metrics.ts';
import type { ReceiverMetrics } from '../receiver/receiver-metrics.ts';
import type { RowSink } from '../receiver/row-sink.ts';
import type { Signal, SignalDecodeResult } from '../signals/signal.ts';
import { grpcFailureFor, statusName, toStatusResponse } from './grpc-failure.ts';

const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

export interface OtlpGrpcServerOptions {
  readonly signals: readonly Signal[];
  /** As for OTLP/HTTP: the `authorization` metadata entry carries `Bearer <key>`. */
  readonly auth: ApiAuth;
  readonly sink: RowSink;
  /** Largest message accepted, after gzip inflation; larger ones get RESOURCE_EXHAUSTED from grpc-js. */
  readonly maxMessageBytes: number;
  readonly metrics: ReceiverMetrics;
  readonly logger: Logger;
  /** Bytes of requests being decoded or published at once; beyond it RESOURCE_EXHAUSTED. Absent: no limit. */
  readonly maxInflightBytes?: number;
  /** How long close() lets running exports finish before cutting connections. */
  readonly shutdownGraceMs?: number;
}

export class OtlpGrpcServer {
  private readonly server: Server;
  private readonly log: Logger;
  private inflight = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: OtlpGrpcServerOptions) {
    this.log = opts.logger.child({ component: 'otlp-grpc' });
    this.server = new Server({ 'grpc.max_receive_message_length': opts.maxMessageBytes });
    for (const signal of opts.signals) {
      const registered = this.server.register<Buffer, Buffer>(
        signal.grpcMethod,
        (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
          void this.export(signal, call.request, call.metadata, callback);
        },
        (response) => response,
        (request) => request,
        'unary',
      );
      if (!registered) throw new Error(`gRPC method ${signal.grpcMethod} is registered twice`);
    }
  }

  /** Binds and starts serving; resolves with the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number> {
    if (this.closing !== undefined) return Promise.reject(new Error('OTLP/gRPC server is closed'));
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, ServerCredentials.createInsecure(), (err, boundPort) => {
        if (err !== null) reject(new Error(`cannot listen for OTLP/gRPC on ${address}: ${err.message}`, { cause: err }));
        else resolve(boundPort);
      });
    });
  }

  /** Stops taking calls, lets running ones finish within the grace period, then cuts the rest. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const graceMs = this.opts.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
      const timer = setTimeout(() => {
        this.log.warn({ graceMs }, 'OTLP/gRPC exports still running at the shutdown deadline; closing their connections');
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown((err) => {
        clearTimeout(timer);
        if (err !== undefined) {
          this.log.warn({ err }, 'graceful OTLP/gRPC shutdown failed; forcing it');
          this.server.forceShutdown();
        }
        resolve();
      });
    });
    return this.closing;
  }

  // Never rejects: every outcome, including an unexpected throw, ends in exactly one callback.
  private async export(signal: Signal, body: Buffer, metadata: Metadata, callback: sendUnaryData<Buffer>): Promise<void> {
    const { metrics, auth, sink, maxInflightBytes } = this.opts;
    let decoded: SignalDecodeResult;
    let held = 0;
    try {
      const tenant = tenantFor(auth, authorization(metadata));
      if (maxInflightBytes !== undefined && this.inflight + body.length > maxInflightBytes) {
        metrics.items.inc({ signal: signal.name, outcome: 'rejected_overload' });
        throw new HttpError(429, 'receiver is at its in-flight limit, retry later', 1);
      }
      held = body.length;
      this.inflight += held;
      decoded = signal.decode(body, 'protobuf', tenant);
      if (decoded.rows.length > 0) await sink.publish(signal, decoded.rows);
    } catch (err) {
      const failure = grpcFailureFor(err);
      if (failure.logCause) {
        this.log.error({ err: err instanceof Error && err.cause !== undefined ? err.cause : err, signal: signal.name }, failure.details);
      }
      metrics.requests.inc({ signal: signal.name, code: statusName(failure.code) });
      callback(toStatusResponse(failure));
      return;
    } finally {
      this.inflight -= held;
    }
    metrics.items.inc({ signal: signal.name, outcome: 'accepted' }, decoded.accepted);
    countRejected(metrics, signal, decoded);
    metrics.requests.inc({ signal: signal.name, code: 'OK' });
    callback(null, exportResponse('protobuf', signal.rejectedField, decoded.rejected, decoded.errorMessage));
  }
}

// gRPC carries HTTP/2 headers as metadata; a binary (-bin) or repeated entry is not a bearer token.
function authorization(metadata: Metadata): string | undefined {
  const values = metadata.get('authorization');
  const [first] = values;
  return values.length === 1 && typeof first === 'string' ? first : undefined;
}
