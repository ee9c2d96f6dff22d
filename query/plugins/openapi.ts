// The OpenAPI document of the query API, generated from the routes' JSON schemas, served with an
// explorer at /docs (the document itself at /docs/json). Registered before the routes so its
// onRoute hook sees all of them.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export function registerOpenApi(app: FastifyInstance): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Cairn query API',
        description:
          'Read traces, logs and metrics stored by Cairn. Every /api/ request needs `Authorization: Bearer <key>` (unless the service runs with CAIRN_AUTH=none) and sees only its tenant\'s rows. Errors are `{ error: { code, message, field? } }`.',
        version: '1',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    // Only the API; ops routes are documented in the README.
    hideUntagged: false,
  });
  void app.register(swaggerUi, { routePrefix: '/docs' });
}
