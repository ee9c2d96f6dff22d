// Maps errors to the API's error body: { error: { code, message, field } }. 5xx causes are logged,
// never sent.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ApiError) {
      if (err.statusCode >= 500) req.log.error({ err: err.cause ?? err }, err.message);
      const message = err.statusCode >= 500 && err.code === 'INTERNAL' ? 'internal error' : err.message;
      return reply.code(err.statusCode).send({ error: { code: err.code, message, ...(err.field === undefined ? {} : { field: err.field }) } });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ error: { code: 'INVALID_ARGUMENT', message: (err as Error).message } });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
  });
}
