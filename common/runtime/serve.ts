// Listens and shuts down gracefully on SIGTERM/SIGINT: fastify.close() stops accepting, waits for
// in-flight requests, then runs every onClose hook (flush, commit, disconnect). A second signal,
// or a close that hangs past the grace period, exits at once.
import type { FastifyInstance } from 'fastify';
import type { Logger } from './logger.ts';

const GRACE_MS = 25_000;

export async function runUntilSignalled(app: FastifyInstance, host: string, port: number, logger: Logger): Promise<void> {
  await app.listen({ host, port });
  logger.info({ host, port }, 'listening');
  await new Promise<void>((resolve) => {
    let shuttingDown = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (shuttingDown) {
        logger.warn({ signal }, 'second signal, exiting now');
        process.exit(1);
      }
      shuttingDown = true;
      logger.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        logger.error({ graceMs: GRACE_MS }, 'shutdown took too long, exiting');
        process.exit(1);
      }, GRACE_MS);
      timer.unref();
      app.close().then(
        () => {
          resolve();
        },
        (err: unknown) => {
          logger.error({ err }, 'error while closing');
          resolve();
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
