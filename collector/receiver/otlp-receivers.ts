// Both OTLP transports over one sink: the HTTP routes registered on the receiver's app, and the
// gRPC server built with the same signals, auth and limits (the caller binds it and closes it
// before whatever the sink writes to). The collector's receiver and the embedded mode differ only
// in the sink: Kafka there, the embedded engine here.
import type { FastifyInstance } from 'fastify';
import { OtlpGrpcServer } from '../grpc/otlp-grpc-server.ts';
import { otlpHttpRoutes } from '../routes/otlp-http.ts';
import type { OtlpHttpOptions } from '../routes/otlp-http.ts';
import type { Logger } from '../../common/runtime/logger.ts';

export async function registerOtlpReceivers(app: FastifyInstance, o: OtlpHttpOptions, logger: Logger): Promise<OtlpGrpcServer> {
  await app.register(otlpHttpRoutes, o);
  return new OtlpGrpcServer({
    signals: o.signals,
    auth: o.auth,
    sink: o.sink,
    maxMessageBytes: o.maxRequestBytes,
    maxInflightBytes: o.maxInflightBytes,
    metrics: o.metrics,
    logger,
  });
}
