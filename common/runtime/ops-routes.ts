// /healthz, /readyz and /metrics, the same on every Cairn service. Liveness says the process
// answers; readiness asks each dependency-owning component whether it can do its job now.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  readonly name: string;
  /** Resolves to '' when ready, otherwise a short reason shown to the operator. */
  readonly check: () => Promise<string> | string;
}

export function registerOpsRoutes(app: FastifyInstance, registry: Registry, checks: () => readonly ReadinessCheck[]): void {
  app.get('/healthz', (_req, reply) => reply.send({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const results: Record<string, string> = {};
    let ready = true;
    for (const c of checks()) {
      let reason: string;
      try {
        reason = await c.check();
      } catch (err) {
        reason = err instanceof Error ? err.message : 'check failed';
      }
      results[c.name] = reason === '' ? 'ok' : reason;
      if (reason !== '') ready = false;
    }
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
  });

  app.get('/metrics', async (_req, reply) => {
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
}
