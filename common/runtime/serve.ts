// Listens and shuts down gracefully on SIGTERM/SIGINT: each fastify.close() stops accepting,
// waits for in-flight requests, then runs its onClose hooks (flush, commit, disconnect); `after`
// then releases what the servers shared. `before` runs first, while the servers still accept
// (clients in the same process tree, like the demo apps, get to flush into them). A second signal, or a close that hangs past the grace
// period, exits at once.
import type { FastifyInstance } from 'fastify';
import type { Logger } from './logger.ts';

const GRACE_MS = 25_000;

export interface Listener {
  readonly app: FastifyInstance;
  readonly host: string;
  readonly port: number;
}

export interface ShutdownSteps {
  readonly before?: () => Promise<void>;
  readonly after?: () => Promise<void>;
}

export async function runUntilSignalled(listeners: readonly Listener[], logger: Logger, steps: ShutdownSteps = {}): Promise<void> {
  for (const l of listeners) {
    await l.app.listen({ host: l.host, port: l.port });
    logger.info({ host: l.host, port: l.port }, 'listening');
  }
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
      const closing = async (): Promise<void> => {
        await steps.before?.();
        await Promise.all(listeners.map((l) => l.app.close()));
        await steps.after?.();
      };
      closing().then(
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
