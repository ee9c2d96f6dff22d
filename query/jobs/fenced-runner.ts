// A SqlRunner for leader-only jobs: every write (DDL, INSERT, ALTER) first passes the term's fence,
// which records it, and runs only if the term is still live at that instant; reads pass straight
// through. Every call is also cancelled when the term ends, so a retry never outlives the term.
// Handing a job this runner instead of the plain one is what makes all its effects fenced,
// including those inside shared code such as migrate() and the retention functions.
import type { RunOptions, SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import type { LeaderTerm } from '../ha/leadership.ts';

/** The statement's first words, enough for the audit trail without the data it carries. */
function summary(statement: SqlFragment): string {
  return statement.text.replace(/\s+/g, ' ').slice(0, 160);
}

function within(term: LeaderTerm, o: RunOptions | undefined): RunOptions {
  const signal = o?.signal === undefined ? term.signal : AbortSignal.any([o.signal, term.signal]);
  return { ...o, signal };
}

export function fencedRunner(inner: SqlRunner, term: LeaderTerm, job: string): SqlRunner {
  return {
    engine: inner.engine,
    async command(statement, o) {
      await term.act({ job, what: summary(statement) });
      term.assertLive();
      await inner.command(statement, within(term, o));
    },
    async insertJsonEachRow(table, body, o) {
      await term.act({ job, what: `INSERT INTO ${table.text}` });
      term.assertLive();
      await inner.insertJsonEachRow(table, body, within(term, o));
    },
    queryRows: (query, o) => inner.queryRows(query, within(term, o)),
    queryWithStats: (query, o) => inner.queryWithStats(query, within(term, o)),
    ping: () => inner.ping(),
    // The underlying client belongs to the service, which closes it.
    close: () => Promise.resolve(),
  };
}
