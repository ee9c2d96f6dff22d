// Runs one fault scenario end to end: steady numbered load, the fault (injected and cleared by the
// scenario, which also restores the stack), then drain, exact accounting and the report line.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { sql } from '../../../common/clickhouse/sql.ts';
import type { SqlRunner } from '../../../common/clickhouse/sql-runner.ts';
import { FIGURES_HEADER, account, ackRecoverySeconds, derivedMismatches, detailsLine, figuresLine, refusalWindow, waitAckedStored, waitDrained } from './fault-accounting.ts';
import type { FaultFigures } from './fault-accounting.ts';
import type { IngesterProcess } from './fault-ingester.ts';
import { LoadDriver } from './fault-load.ts';
import type { FaultRig } from './fault-rig.ts';
import { eventually } from './pipeline.ts';
import { spansIngestTable } from '../../../common/clickhouse/tables/spans-ingest.ts';

export const LOAD = { requestsPerSecond: 20, spansPerRequest: 10 } as const;

export interface FaultTimeline {
  /** When the fault hit: acknowledgement recovery is measured from here. */
  readonly injectedAt: number;
  /** When it was over (stack restored, process restarted): storage recovery is measured from here. */
  readonly clearedAt: number;
}

export interface ScenarioOptions {
  readonly storedTimeoutMs: number;
}

/**
 * Starts the load, waits for the first acknowledgements, runs `fault` (which must restore what it
 * broke), stops the load, and checks every acknowledged item is stored exactly once.
 */
export async function runScenario(
  t: TestContext,
  rig: FaultRig,
  scenario: string,
  options: ScenarioOptions,
  fault: (driver: LoadDriver) => Promise<FaultTimeline>,
): Promise<FaultFigures> {
  const driver = new LoadDriver({ otlpUrl: rig.otlpUrl, scenario, ...LOAD, requestTimeoutMs: 30_000 });
  let timeline: FaultTimeline;
  driver.start();
  try {
    await eventually(`${scenario}: first acknowledgements`, 30_000, () => Promise.resolve(driver.acknowledgedCount() >= 100 ? true : undefined));
    timeline = await fault(driver);
  } finally {
    await driver.pause();
  }
  // Storage recovery counts from the later of "fault cleared" and "last request answered".
  const from = Math.max(timeline.clearedAt, ...driver.all.map((r) => r.settledAt));
  const database = rig.config.clickhouse.target.database;
  const storedAt = await waitAckedStored(rig.clickhouse, database, driver, scenario, options.storedTimeoutMs);
  await waitDrained(rig.admin, rig.spansGroup, rig.spansTopic, 120_000);
  const figures = await account(rig.clickhouse, database, driver, scenario);
  const ackS = ackRecoverySeconds(driver.all, timeline.injectedAt);
  t.diagnostic(FIGURES_HEADER);
  t.diagnostic(figuresLine(figures, ackS, Math.max(0, storedAt - from) / 1000));
  const window = refusalWindow(driver.all, timeline.injectedAt);
  t.diagnostic(window === '' ? detailsLine(figures) : `${detailsLine(figures)}, ${window}`);

  assert.ok(figures.acked > 0, 'some items were acknowledged');
  assert.equal(figures.rejected, 0, 'no span rejected inside a 200');
  assert.equal(figures.missing, 0, `acknowledged but not stored, first seqs: ${figures.missingSeqs.join(', ')}`);
  assert.equal(figures.duplicatedPhysical, 0, 'no item stored twice (the driver never resends)');
  assert.equal(figures.duplicatedFinal, 0, 'no item visible twice');
  // The tables the views fill agree with spans: a batch whose insert failed part-way through its
  // views and was retried reached every view once. (Polled: a replica may still be fetching.)
  let problems: string[] = [];
  await eventually(`${scenario}: the derived tables to agree with spans`, 60_000, async () => {
    problems = await derivedMismatches(rig.clickhouse, database, scenario);
    return problems.length === 0 ? true : undefined;
  }).catch((err: unknown) => {
    throw new Error(`${scenario}: ${problems.join('; ')}`, { cause: err });
  });
  return figures;
}

/** Resolves once an INSERT of spans (into spans_ingest) is running on the ingester's ClickHouse node. */
export async function insertInFlight(ch: SqlRunner, database: string, timeoutMs: number): Promise<void> {
  const pattern = `INSERT INTO \`${database}\`.\`${spansIngestTable.name}\`%`;
  const deadline = Date.now() + timeoutMs;
  // A tight loop rather than eventually(): an insert lasts tens of milliseconds.
  while (Date.now() < deadline) {
    const [row] = await ch.queryRows<{ n: string | number }>(sql`SELECT count() AS n FROM system.processes WHERE query LIKE ${pattern}`);
    if (Number(row?.n ?? 0) > 0) return;
  }
  throw new Error(`no insert into ${database}.${spansIngestTable.name} seen within ${timeoutMs} ms`);
}

/** Resolves as soon as the ingester's cairn_ingest_rows_total has grown past `above`. */
export async function rowsInsertedAbove(ingester: IngesterProcess, above: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const rows = await ingester.rowsInserted();
    if (rows > above) return rows;
  }
  throw new Error(`ingester pid ${ingester.pid} inserted nothing within ${timeoutMs} ms`);
}
