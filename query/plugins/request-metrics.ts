// Request latency by route pattern and status: both bounded (the pattern, not the URL).
import type { FastifyInstance } from 'fastify';
import { Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

export function registerRequestMetrics(app: FastifyInstance, registry: Registry): void {
  const seconds = new Histogram({
    name: 'cairn_query_request_seconds',
    help: 'Query API request duration by route and status code',
    labelNames: ['route', 'code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    seconds.observe({ route: req.routeOptions.url ?? 'unmatched', code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}
