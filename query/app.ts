// Builds the query service without listening. Any replica answers every read; the replica elected
// leader also runs the leader-only jobs (migrations, retention, rollups), fenced by its epoch.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createClickHouse, defaultClickHouseRetry } from '../common/clickhouse/client.ts';
import { awaitSchema } from '../common/clickhouse/schema-ready.ts';
import type { SqlRunner } from '../common/clickhouse/sql-runner.ts';
import { createHttpApp } from '../common/runtime/http-app.ts';
import type { Logger } from '../common/runtime/logger.ts';
import { createRegistry } from '../common/runtime/metrics.ts';
import { registerOpsRoutes } from '../common/runtime/ops-routes.ts';
import type { QueryConfig } from './config.ts';
import { createLeadership } from './ha/create-leadership.ts';
import type { Leadership } from './ha/leadership.ts';
import { leaderJobs } from './jobs/leader-jobs.ts';
import { registerErrorHandler } from './plugins/error-handler.ts';
import { registerRequestMetrics } from './plugins/request-metrics.ts';
import { registerTenant } from './plugins/tenant.ts';
import { registerOpenApi } from './plugins/openapi.ts';
import type { RouteContext } from './route-context.ts';
import { registerClusterRoutes } from './routes/cluster.ts';
import { registerInsightRoutes } from './routes/insights.ts';
import { registerQueryDslRoutes } from './routes/query-dsl.ts';
import { registerSearchRoutes } from './routes/search.ts';
import { registerSqlRoutes } from './routes/sql.ts';
import { registerTraceRoutes } from './routes/traces.ts';

export interface QueryApp {
  readonly app: FastifyInstance;
  readonly registry: Registry;
  readonly clickhouse: SqlRunner;
  /** Resolves once the schema is current (the service answers 503 before that). */
  readonly schemaReady: Promise<void>;
  /** '' once the schema is current, otherwise why not yet. */
  readonly schemaStatus: () => string;
  /** This replica's part in leader election (started by buildQueryApp, closed with the app). */
  readonly leadership: Leadership;
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
  // Every replica waits for the schema; only the leader applies it (a leader-only job).
  const schema = awaitSchema(ch, config.clickhouse.target, logger.child({ component: 'schema' }));
  const leadership = createLeadership(config, registry, logger);
  leadership.start(
    leaderJobs({
      clickhouse: ch,
      target: config.clickhouse.target,
      retention: config.retention,
      rollup: config.rollup,
      insertSettings: config.insertQuorum > 0 ? { insert_distributed_sync: 1, insert_quorum: config.insertQuorum } : {},
      timeoutMs: Math.max(config.clickhouse.requestTimeoutMs, 60_000),
      logger,
    }),
  );
  // Hand over before the server stops: the jobs stop, the member znode goes, a successor leads.
  app.addHook('preClose', async () => {
    await leadership.close();
  });
  app.addHook('onClose', async () => {
    await leadership.close();
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
    registerSearchRoutes(api, ctx);
    registerInsightRoutes(api, ctx);
    registerQueryDslRoutes(api, ctx);
    registerSqlRoutes(api, ctx);
    registerClusterRoutes(api, leadership);
    done();
  });
  // Readiness leaves ZooKeeper out on purpose: reads need no leader and keep working without it.
  registerOpsRoutes(app, registry, () => [
    { name: 'clickhouse', check: async () => ((await ch.ping()) ? '' : 'ClickHouse ping failed') },
    { name: 'schema', check: () => schema.status() },
  ]);
  return { app, registry, clickhouse: ch, schemaReady: schema.ready, schemaStatus: () => schema.status(), leadership };
}
