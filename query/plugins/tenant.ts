// Every /api/ request reads as one tenant: the one its API key maps to (or the configured tenant
// in `none` mode). Queries filter on request.tenant, so a key never sees another tenant's rows.
import type { FastifyInstance } from 'fastify';
import type { ApiAuth } from '../../common/auth/api-keys.ts';
import { tenantFor } from '../../common/auth/api-keys.ts';
import { ApiError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for every /api/ route before its handler runs. */
    tenant: string;
  }
}

export function registerTenant(app: FastifyInstance, auth: ApiAuth): void {
  app.decorateRequest('tenant', '');
  app.addHook('onRequest', (req, _reply, done) => {
    if (!req.url.startsWith('/api/')) {
      done();
      return;
    }
    try {
      req.tenant = tenantFor(auth, req.headers.authorization);
      done();
    } catch (err) {
      done(new ApiError('UNAUTHENTICATED', (err as Error).message, 'Authorization', { cause: err }));
    }
  });
}
