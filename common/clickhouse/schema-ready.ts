// Waits, in the background, until the schema is current: schema_migrations records the latest
// version this code knows. Only the query service's leader applies migrations (exactly once,
// recorded with its epoch); every other process (query followers, ingesters) polls here with
// capped jittered backoff and reports not-ready with the reason meanwhile, so a service can start
// before ClickHouse, or before a leader exists, instead of exiting.
import type { Logger } from '../runtime/logger.ts';
import { backoffDelay, sleep } from '../runtime/retry.ts';
import type { RetryPolicy } from '../runtime/retry.ts';
import { migrations } from './migrations.ts';
import { identifier, qualified, sql } from './sql.ts';
import type { SqlRunner } from './sql-runner.ts';
import { schemaMigrationsTable } from './tables/schema-migrations.ts';
import type { StorageTarget } from './topology.ts';

export interface SchemaReady {
  /** '' once the schema is current, otherwise why not yet (for /readyz). */
  status(): string;
  /** Resolves when the schema is current; rejects if stopped first. */
  readonly ready: Promise<void>;
  stop(): void;
}

/** Polls quickly at first (a leader usually migrates within seconds), at most every 2 s. */
const POLL: RetryPolicy = { attempts: Infinity, baseDelayMs: 200, maxDelayMs: 2000, deadlineMs: Infinity };

/** The highest migration version this code knows. */
export function latestSchemaVersion(): number {
  return Math.max(...migrations.map((m) => m.version));
}

/** The highest version recorded in schema_migrations (fails if the table does not exist yet). */
export async function appliedSchemaVersion(ch: SqlRunner, target: StorageTarget, signal?: AbortSignal): Promise<number> {
  const table = qualified(target.database, identifier(schemaMigrationsTable.name, [schemaMigrationsTable.name]));
  const rows = await ch.queryRows<{ v: number | string }>(sql`SELECT max(version) AS v FROM ${table}`, signal === undefined ? {} : { signal });
  return Number(rows[0]?.v ?? 0);
}

function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return /UNKNOWN_TABLE|UNKNOWN_DATABASE|doesn't exist|does not exist/i.test(text)
    ? 'schema not created yet (the query service leader applies it)'
    : `cannot read schema_migrations: ${text.split('\n')[0] ?? text}`;
}

export function awaitSchema(ch: SqlRunner, target: StorageTarget, logger: Logger): SchemaReady {
  const stopping = new AbortController();
  const latest = latestSchemaVersion();
  let reason = 'schema not checked yet';
  const ready = (async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        const applied = await appliedSchemaVersion(ch, target, stopping.signal);
        if (applied >= latest) {
          reason = '';
          return;
        }
        reason = `schema at version ${applied}, waiting for ${latest} (the query service leader applies it)`;
      } catch (err) {
        reason = reasonOf(err);
      }
      if (stopping.signal.aborted) throw new Error(`stopped before the schema was ready: ${reason}`);
      const delayMs = backoffDelay(POLL, Math.min(attempt, 10), Math.random);
      if (attempt % 20 === 19) logger.warn({ reason, attempt }, 'still waiting for the schema');
      await sleep(delayMs, stopping.signal);
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
