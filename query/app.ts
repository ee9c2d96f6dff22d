// Builds the query service without listening. Any replica answers every read.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createClickHouse, defaultClickHouseRetry } from '../common/clickhouse/client.ts';
import { migrate } from '../common/clickhouse/migrations.ts';
import type { SqlRunner } from '../common/clickhouse/sql-runner.ts';
import { createHttpApp } from '../common/runtime/http-app.ts';
import type { Logger } from '../common/runtime/logger.ts';
import { createRegistry } from '../common/runtime/metrics.ts';
import { registerOpsRoutes } from '../common/runtime/ops-routes.ts';
import type { QueryConfig } from './config.ts';
import { registerErrorHandler } from './plugins/error-handler.ts';
import { registerRequestMetrics } from './plugins/request-metrics.ts';
import { registerTraceRoutes } from './routes/traces.ts';

export interface QueryApp {
  readonly app: FastifyInstance;
  readonly registry: Registry;
  readonly clickhouse: SqlRunner;
}

export async function buildQueryApp(config: QueryConfig, logger: Logger, clickhouse?: SqlRunner): Promise<QueryApp> {
  const registry = createRegistry('query');
  const app = createHttpApp(logger, 1024 * 1024);
  registerErrorHandler(app);
  registerRequestMetrics(app, registry);
  const ch =
    clickhouse ??
    createClickHouse({ endpoint: config.clickhouse.endpoint, requestTimeoutMs: config.clickhouse.requestTimeoutMs, retry: defaultClickHouseRetry, logger });
  // A client handed in belongs to the caller (the embedded mode shares one engine), who closes it.
  if (clickhouse === undefined) app.addHook('onClose', async () => ch.close());
  await migrate(ch, config.clickhouse.target, { epoch: 0n, member: config.memberId });
  registerTraceRoutes(app, {
    clickhouse: ch,
    target: config.clickhouse.target,
    tenant: config.tenant,
    timeoutMs: config.queryTimeoutMs,
    maxSpans: config.maxTraceSpans,
  });
  registerOpsRoutes(app, registry, () => [
    { name: 'clickhouse', check: async () => ((await ch.ping()) ? '' : 'ClickHouse ping failed') },
  ]);
  return { app, registry, clickhouse: ch };
}
