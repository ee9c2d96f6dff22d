// Brings the schema up to date in the background, retrying with capped jittered backoff until it
// succeeds or the owner stops it, so a service can start (and report not-ready) while ClickHouse
// is still unreachable instead of exiting.
import type { Logger } from '../runtime/logger.ts';
import { backoffDelay, sleep } from '../runtime/retry.ts';
import { migrate } from './migrations.ts';
import type { SqlRunner } from './sql-runner.ts';
import type { StorageTarget } from './topology.ts';

export interface SchemaReady {
  /** '' once the schema is current, otherwise why not yet (for /readyz). */
  status(): string;
  /** Resolves when the schema is current; rejects if stopped first. */
  readonly ready: Promise<void>;
  stop(): void;
}

const BACKOFF = { attempts: Infinity, baseDelayMs: 250, maxDelayMs: 10_000, deadlineMs: Infinity };

export function ensureSchema(ch: SqlRunner, target: StorageTarget, member: string, logger: Logger): SchemaReady {
  const stopping = new AbortController();
  let reason = 'schema migrations not yet applied';
  const ready = (async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        const outcome = await migrate(ch, target, { epoch: 0n, member });
        if (outcome.applied.length > 0) logger.info({ applied: outcome.applied }, 'schema migrations applied');
        reason = '';
        return;
      } catch (err) {
        if (stopping.signal.aborted) throw new Error('stopped before the schema was ready', { cause: err });
        reason = `schema migrations failing: ${err instanceof Error ? err.message : String(err)}`;
        const delayMs = backoffDelay(BACKOFF, Math.min(attempt, 10), Math.random);
        logger.warn({ err, attempt, delayMs }, 'cannot bring the schema up to date yet, retrying');
        await sleep(delayMs, stopping.signal);
      }
    }
  })();
  // The owner awaits `ready` where it needs it; an unobserved rejection here must not crash.
  ready.catch(() => undefined);
  return {
    status: () => reason,
    ready,
    stop: () => {
      stopping.abort();
    },
  };
}
