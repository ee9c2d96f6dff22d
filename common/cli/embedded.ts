// `cairn start`: receiver and query API in one process over the embedded ClickHouse engine, no
// Kafka and no servers to install. Same schema, same queries and same API as the cluster; the
// receiver acknowledges after the insert, and the data directory survives restarts. The query app
// elects itself (epoch 1) and runs the leader-only jobs: migrations, retention, rollups.
import type { OtlpGrpcServer } from '../../collector/grpc/otlp-grpc-server.ts';
import { createReceiverMetrics } from '../../collector/receiver/receiver-metrics.ts';
import { DirectRowSink } from '../../collector/receiver/direct-row-sink.ts';
import { registerOtlpReceivers } from '../../collector/receiver/otlp-receivers.ts';
import { signalsFor } from '../../collector/signals/all.ts';
import { SeriesLimiter } from '../../collector/signals/series-limiter.ts';
import { buildQueryApp } from '../../query/app.ts';
import { createClickHouse, defaultClickHouseRetry } from '../clickhouse/client.ts';
import type { SqlRunner } from '../clickhouse/sql-runner.ts';
import { createHttpApp } from '../runtime/http-app.ts';
import type { Logger } from '../runtime/logger.ts';
import { createRegistry } from '../runtime/metrics.ts';
import { registerOpsRoutes } from '../runtime/ops-routes.ts';
import type { Listener } from '../runtime/serve.ts';
import type { EmbeddedConfig } from './config.ts';

export interface EmbeddedCairn {
  readonly listeners: readonly Listener[];
  /** OTLP/gRPC, on the same sink as OTLP/HTTP; the caller binds it (listen) and it closes with the receiver. */
  readonly grpc: OtlpGrpcServer;
  /** Resolves once the schema is current. */
  readonly schemaReady: Promise<void>;
  /** Resolves once the schema is current and both servers listen (ready to take data). */
  readonly ready: Promise<void>;
  /** The embedded engine both servers share. */
  readonly clickhouse: SqlRunner;
  close(): Promise<void>;
}

export async function buildEmbedded(config: EmbeddedConfig, logger: Logger): Promise<EmbeddedCairn> {
  const clickhouse = createClickHouse({
    endpoint: config.query.clickhouse.endpoint,
    requestTimeoutMs: config.query.clickhouse.requestTimeoutMs,
    retry: defaultClickHouseRetry,
    logger,
  });
  const query = buildQueryApp(config.query, logger, clickhouse);

  const registry = createRegistry('receiver');
  const receiver = createHttpApp(logger, config.maxRequestBytes);
  const target = config.query.clickhouse.target;
  const signals = signalsFor(config, new SeriesLimiter(config.series));
  const sink = new DirectRowSink(clickhouse, target, query.schemaStatus);
  const metrics = createReceiverMetrics(registry);
  const grpc = await registerOtlpReceivers(
    receiver,
    { signals, auth: config.auth, maxRequestBytes: config.maxRequestBytes, maxInflightBytes: config.maxInflightBytes, sink, metrics },
    logger,
  );
  // Exports in flight finish before the engine they insert into closes (close() runs after this).
  receiver.addHook('onClose', async () => {
    await grpc.close();
  });
  registerOpsRoutes(receiver, registry, () => [{ name: 'schema', check: () => query.schemaStatus() }]);
  // The schema check can pass before the servers listen (an existing data directory), and the
  // caller announces readiness on `ready`; so that one also waits for both to listen.
  const listening = [receiver, query.app].map(
    (app) =>
      new Promise<void>((resolve) => {
        app.addHook('onListen', (done) => {
          resolve();
          done();
        });
      }),
  );

  return {
    listeners: [
      { app: receiver, host: config.host, port: config.otlpHttpPort },
      { app: query.app, host: config.query.host, port: config.query.port },
    ],
    grpc,
    schemaReady: query.schemaReady,
    ready: Promise.all([query.schemaReady, ...listening]).then(() => undefined),
    clickhouse,
    // The engine is shared by both servers (and the query app's leader jobs, which its close
    // stops), so it is closed after them.
    close: async () => {
      await query.leadership.close();
      await clickhouse.close();
    },
  };
}
