// A fastify instance configured the same way for every service: pino logger, body limit, no
// per-request access log.
import Fastify, { LogController } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, RawServerDefault } from 'fastify';
import type { Logger } from './logger.ts';

export function createHttpApp(logger: Logger, bodyLimit: number): FastifyInstance {
  // Typed with fastify's base logger so the instance fits plugins written against FastifyInstance.
  const app = Fastify<RawServerDefault, IncomingMessage, ServerResponse>({
    loggerInstance: logger,
    bodyLimit,
    // Per-request access logs would dominate the log volume of a busy receiver; metrics count requests.
    logController: new LogController({ disableRequestLogging: true }),
    // Trust nothing: no proxy headers; ids in URLs are validated by the routes.
    trustProxy: false,
  });
  return app;
}
