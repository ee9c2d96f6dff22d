// What the leader runs in each term, in order: schema migrations first (the other jobs need the
// tables), then retention and the service-graph rollup side by side until the term ends. Every
// ClickHouse write of every job passes the term's fence (see fenced-runner.ts). When the term ends
// the jobs are stopped and awaited before the replica may leave or lead again.
import { RetentionJob } from '../../common/clickhouse/retention-job.ts';
import type { RetentionDays } from '../../common/clickhouse/retention-job.ts';
import type { Settings, SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { Logger } from '../../common/runtime/logger.ts';
import type { LeaderTerm, TermRunner } from '../ha/leadership.ts';
import { untilAborted } from '../ha/until-aborted.ts';
import { EdgeRollupJob } from './edge-rollup-job.ts';
import { fencedRunner } from './fenced-runner.ts';
import { runMigrations } from './migration-job.ts';

export interface LeaderJobsOptions {
  readonly clickhouse: SqlRunner;
  readonly target: StorageTarget;
  readonly retention: { readonly days: RetentionDays; readonly intervalMs: number };
  readonly rollup: { readonly intervalMs: number; readonly settleSeconds: number };
  /** Settings of the rollup's insert (through the Distributed table on a cluster). */
  readonly insertSettings: Settings;
  /** Timeout of one rollup statement. */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

export function leaderJobs(o: LeaderJobsOptions): TermRunner {
  return async (term: LeaderTerm) => {
    const logger = o.logger.child({ component: 'leader-jobs', epoch: term.epoch });
    if (!(await runMigrations(term, o.clickhouse, o.target, logger.child({ job: 'schema-migrations' })))) return;
    const retention = new RetentionJob({
      clickhouse: fencedRunner(o.clickhouse, term, 'retention'),
      target: o.target,
      days: o.retention.days,
      intervalMs: o.retention.intervalMs,
      logger: logger.child({ job: 'retention' }),
    });
    const rollup = new EdgeRollupJob({
      clickhouse: o.clickhouse,
      target: o.target,
      term,
      intervalMs: o.rollup.intervalMs,
      settleSeconds: o.rollup.settleSeconds,
      insertSettings: o.insertSettings,
      timeoutMs: o.timeoutMs,
      logger: logger.child({ job: 'service-edges' }),
    });
    retention.start();
    rollup.start();
    await untilAborted(term.signal);
    await Promise.all([retention.close(), rollup.close()]);
  };
}
