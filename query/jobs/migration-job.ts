// Schema migrations, applied by the leader at the start of every term: migrate() is idempotent
// (IF NOT EXISTS, versions recorded), so a new leader finishes whatever its predecessor left half
// done, and each version is recorded once, with the epoch that applied it. Its statements go
// through the fenced runner, so this is also each new leader's first fenced action. Other replicas
// and the ingesters never migrate; they wait until schema_migrations shows the latest version.
import { migrate } from '../../common/clickhouse/migrations.ts';
import type { SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { Logger } from '../../common/runtime/logger.ts';
import { backoffDelay, sleep } from '../../common/runtime/retry.ts';
import type { RetryPolicy } from '../../common/runtime/retry.ts';
import { FencedOut } from '../ha/leadership.ts';
import type { LeaderTerm } from '../ha/leadership.ts';
import { isAborted } from '../ha/until-aborted.ts';
import { fencedRunner } from './fenced-runner.ts';

const BACKOFF: RetryPolicy = { attempts: Infinity, baseDelayMs: 250, maxDelayMs: 10_000, deadlineMs: Infinity };

/** Resolves true once the schema is current, false if the term ended first. Retries meanwhile. */
export async function runMigrations(term: LeaderTerm, clickhouse: SqlRunner, target: StorageTarget, logger: Logger): Promise<boolean> {
  const runner = fencedRunner(clickhouse, term, 'schema-migrations');
  for (let attempt = 0; !term.signal.aborted; attempt++) {
    try {
      const outcome = await migrate(runner, target, { epoch: BigInt(term.epoch), member: term.memberId });
      if (outcome.applied.length > 0) logger.info({ applied: outcome.applied, epoch: term.epoch }, 'schema migrations applied');
      return true;
    } catch (err) {
      if (isAborted(term.signal) || err instanceof FencedOut) return false;
      const delayMs = backoffDelay(BACKOFF, Math.min(attempt, 10), Math.random);
      logger.warn({ err, attempt, delayMs }, 'cannot bring the schema up to date yet, retrying');
      await sleep(delayMs, term.signal);
    }
  }
  return false;
}
