// Builds the query service without listening. Any replica answers every read.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createClickHouse, defaultClickHouseRetry } from '../common/clickhouse/client.ts';
import { ensureSchema } from '../common/clickhouse/schema-ready.ts';
import type { SqlRunner } from '../common/clickhouse/sql-runner.ts';
import { createHttpApp } from '../common/runtime/http-app.ts';
import type { Logger } from '../common/runtime/logger.ts';
import { createRegistry } from '../common/runtime/metrics.ts';
import { registerOpsRoutes } from '../common/runtime/ops-routes.ts';
import type { QueryConfig } from './config.ts';
import { registerErrorHandler } from './plugins/error-handler.ts';
import { registerRequestMetrics } from './plugins/request-metrics.ts';
import { registerTenant } from './plugins/tenant.ts';
import { registerOpenApi } from './plugins/openapi.ts';
import type { RouteContext } from './route-context.ts';
import { registerTraceRoutes } from './routes/traces.ts';

export interface QueryApp {
  readonly app: FastifyInstance;
  readonly registry: Registry;
  readonly clickhouse: SqlRunner;
  /** Resolves once migrations are applied (the service answers 503 before that). */
  readonly schemaReady: Promise<void>;
  /** '' once migrations are applied, otherwise why not yet. */
  readonly schemaStatus: () => string;
}

export function buildQueryApp(config: QueryConfig, logger: Logger, clickhouse?: SqlRunner): QueryApp {
  const registry = createRegistry('query');
  const app = createHttpApp(logger, 1024 * 1024);
  registerErrorHandler(app);
  registerRequestMetrics(app, registry);
  registerTenant(app, config.auth);
  const ch =
    clickhouse ??
    createClickHouse({ endpoint: config.clickhouse.endpoint, requestTimeoutMs: config.clickhouse.requestTimeoutMs, retry: defaultClickHouseRetry, logger });
  const schema = ensureSchema(ch, config.clickhouse.target, config.memberId, logger.child({ component: 'schema' }));
  app.addHook('onClose', async () => {
    schema.stop();
    // A client handed in belongs to the caller (the embedded mode shares one engine), who closes it.
    if (clickhouse === undefined) await ch.close();
  });
  const ctx: RouteContext = {
    clickhouse: ch,
    target: config.clickhouse.target,
    schemaStatus: () => schema.status(),
    timeoutMs: config.queryTimeoutMs,
    logger,
  };
  registerOpenApi(app);
  // Routes load inside a plugin registered after the OpenAPI one, so it sees every route.
  void app.register((api, _opts, done) => {
    registerTraceRoutes(api, { ...ctx, maxSpans: config.maxTraceSpans });
    done();
  });
  registerOpsRoutes(app, registry, () => [
    { name: 'clickhouse', check: async () => ((await ch.ping()) ? '' : 'ClickHouse ping failed') },
    { name: 'schema', check: () => schema.status() },
  ]);
  return { app, registry, clickhouse: ch, schemaReady: schema.ready, schemaStatus: () => schema.status() };
}
