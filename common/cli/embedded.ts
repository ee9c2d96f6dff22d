// `cairn start`: receiver and query API in one process over the embedded ClickHouse engine, no
// Kafka and no servers to install. Same schema, same queries and same API as the cluster; the
// receiver acknowledges after the insert, and the data directory survives restarts.
import { RetentionJob } from '../../collector/ingest/retention-job.ts';
import { createReceiverMetrics } from '../../collector/receiver/receiver-metrics.ts';
import { DirectRowSink } from '../../collector/receiver/direct-row-sink.ts';
import { otlpHttpRoutes } from '../../collector/routes/otlp-http.ts';
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
  readonly schemaReady: Promise<void>;
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
  await receiver.register(otlpHttpRoutes, {
    signals: signalsFor(config, new SeriesLimiter(config.series)),
    auth: config.auth,
    maxRequestBytes: config.maxRequestBytes,
    maxInflightBytes: config.maxInflightBytes,
    sink: new DirectRowSink(clickhouse, target, query.schemaStatus),
    metrics: createReceiverMetrics(registry),
  });
  registerOpsRoutes(receiver, registry, () => [{ name: 'schema', check: () => query.schemaStatus() }]);
  // Partition drops plus TTL (the embedded engine has it); one process, so no leader to elect.
  const retention = new RetentionJob({
    clickhouse,
    target,
    days: config.retention.days,
    intervalMs: config.retention.intervalMs,
    logger: logger.child({ component: 'retention' }),
  });
  query.schemaReady.then(
    () => {
      retention.start();
    },
    () => undefined,
  );

  return {
    listeners: [
      { app: receiver, host: config.host, port: config.otlpHttpPort },
      { app: query.app, host: config.query.host, port: config.query.port },
    ],
    schemaReady: query.schemaReady,
    clickhouse,
    // The engine is shared by both servers and the retention job, so it is closed after them.
    close: async () => {
      await retention.close();
      await clickhouse.close();
    },
  };
}
