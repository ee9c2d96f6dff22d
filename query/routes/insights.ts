// Metrics queries, RED, the service graph and trace <-> log correlation: each family registers
// its own routes.
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../route-context.ts';
import { registerCorrelationRoutes } from './correlation.ts';
import { registerMetricsRoutes } from './metrics.ts';
import { registerRedRoutes } from './red.ts';

export function registerInsightRoutes(app: FastifyInstance, ctx: RouteContext): void {
  registerRedRoutes(app, ctx);
  registerCorrelationRoutes(app, ctx);
  registerMetricsRoutes(app, ctx);
}
