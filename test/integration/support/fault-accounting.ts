// Exact accounting of one fault scenario: what the driver sent and got acknowledged, against what
// ClickHouse stores for the scenario (by service_name), once the ingester has drained the topic.
import type { Admin } from 'kafkajs';
import { identifier, qualified, sql } from '../../../common/clickhouse/sql.ts';
import type { Identifier } from '../../../common/clickhouse/sql.ts';
import type { SqlRunner } from '../../../common/clickhouse/sql-runner.ts';
import type { LoadDriver, RequestRecord } from './fault-load.ts';
import { eventually } from './pipeline.ts';

export interface FaultFigures {
  readonly scenario: string;
  readonly sent: number;
  readonly acked: number;
  /** Distinct items stored. */
  readonly stored: number;
  /** Stored although never acknowledged (refused after Kafka took part of it); allowed. */
  readonly storedUnacked: number;
  /** Acknowledged but not stored: must be 0. */
  readonly missing: number;
  readonly missingSeqs: readonly number[];
  /** Extra physical rows (count() - 1 per item): must be 0, the driver never resends. */
  readonly duplicatedPhysical: number;
  /** Extra rows after ReplacingMergeTree collapse (FINAL), what a reader could ever see. */
  readonly duplicatedFinal: number;
  /** Spans rejected inside a 200 (partialSuccess): must be 0. */
  readonly rejected: number;
  /** Answers other than 200, by status (0: network error or client timeout). */
  readonly refusals: Readonly<Record<string, number>>;
}

/** Waits until the consumer group committed every offset of `topic` with no batch plan pending. */
export async function waitDrained(admin: Admin, groupId: string, topic: string, timeoutMs: number): Promise<void> {
  await eventually(`consumer group ${groupId} to commit every offset of ${topic}`, timeoutMs, async () => {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const byPartition = new Map((committed?.partitions ?? []).map((c) => [c.partition, c]));
    const caughtUp = ends.every((end) => {
      const c = byPartition.get(end.partition);
      const offset = c === undefined || c.offset === '-1' ? 0n : BigInt(c.offset);
      return offset === BigInt(end.high) && (c?.metadata ?? '') === '';
    });
    return caughtUp ? true : undefined;
  });
}

/** span_id -> rows, physically (`final` false) or after ReplacingMergeTree collapse (`final` true). */
export async function storedRows(ch: SqlRunner, database: Identifier, scenario: string, final: boolean): Promise<Map<string, number>> {
  const spans = qualified(database, identifier('spans', ['spans']));
  const query = final
    ? sql`SELECT span_id, count() AS n FROM ${spans} FINAL WHERE service_name = ${scenario} GROUP BY span_id`
    : sql`SELECT span_id, count() AS n FROM ${spans} WHERE service_name = ${scenario} GROUP BY span_id`;
  const rows = await ch.queryRows<{ span_id: string; n: string | number }>(query, { timeoutMs: 30_000 });
  return new Map(rows.map((r) => [r.span_id, Number(r.n)]));
}

const DERIVED = ['spans', 'spans_by_trace', 'trace_index', 'red_minutely'];

/**
 * What the tables fed from each insert say about the scenario's spans, against `spans` itself:
 * spans_by_trace must hold every span, trace_index every trace, red_minutely one call per span.
 * A view that missed a batch (an insert that failed part-way through its views, then retried)
 * shows up here as a shortfall; one fed twice, as an excess. Empty when they all agree.
 */
export async function derivedMismatches(ch: SqlRunner, database: Identifier, scenario: string): Promise<string[]> {
  const t = (name: string): ReturnType<typeof qualified> => qualified(database, identifier(name, DERIVED));
  const count = async (query: ReturnType<typeof sql>): Promise<number> => Number((await ch.queryRows<{ n: string }>(query, { timeoutMs: 30_000 }))[0]?.n ?? 0);
  const spans = await count(sql`SELECT toString(uniqExact(span_id)) AS n FROM ${t('spans')} WHERE service_name = ${scenario}`);
  const traces = await count(sql`SELECT toString(uniqExact(trace_id)) AS n FROM ${t('spans')} WHERE service_name = ${scenario}`);
  const byTrace = await count(sql`SELECT toString(uniqExact(span_id)) AS n FROM ${t('spans_by_trace')} WHERE service_name = ${scenario}`);
  const indexed = await count(
    sql`SELECT toString(uniqExact(trace_id)) AS n FROM ${t('trace_index')} WHERE trace_id GLOBAL IN (SELECT trace_id FROM ${t('spans')} WHERE service_name = ${scenario})`,
  );
  const calls = await count(sql`SELECT toString(countMerge(calls)) AS n FROM ${t('red_minutely')} WHERE service_name = ${scenario}`);
  const problems: string[] = [];
  if (byTrace !== spans) problems.push(`spans_by_trace holds ${byTrace} of ${spans} spans`);
  if (indexed !== traces) problems.push(`trace_index knows ${indexed} of ${traces} traces`);
  if (calls !== spans) problems.push(`red_minutely counts ${calls} calls for ${spans} spans`);
  return problems;
}

function ackedSeqs(records: readonly RequestRecord[]): number[] {
  return records.filter((r) => r.status === 200).flatMap((r) => Array.from({ length: r.spans }, (_, i) => r.firstSeq + i));
}

/** Resolves with the time (ms epoch) at which every acknowledged item was found stored. */
export async function waitAckedStored(ch: SqlRunner, database: Identifier, driver: LoadDriver, scenario: string, timeoutMs: number): Promise<number> {
  const seqs = ackedSeqs(driver.all);
  return eventually(`all ${seqs.length} acknowledged items of ${scenario} stored`, timeoutMs, async () => {
    const stored = await storedRows(ch, database, scenario, false);
    return seqs.every((s) => stored.has(driver.spanId(s))) ? Date.now() : undefined;
  });
}

export async function account(ch: SqlRunner, database: Identifier, driver: LoadDriver, scenario: string): Promise<FaultFigures> {
  const records = driver.all;
  const physical = await storedRows(ch, database, scenario, false);
  const final = await storedRows(ch, database, scenario, true);
  const acked = new Set(ackedSeqs(records));
  const sent = records.reduce((n, r) => n + r.spans, 0);
  const known = new Set(Array.from({ length: sent }, (_, seq) => driver.spanId(seq)));
  const unknown = [...physical.keys()].filter((id) => !known.has(id));
  if (unknown.length > 0) throw new Error(`stored span ids that were never sent: ${unknown.slice(0, 5).join(', ')}`);
  const missingSeqs = [...acked].filter((s) => !physical.has(driver.spanId(s)));
  const storedUnacked = Array.from({ length: sent }, (_, seq) => seq).filter((s) => !acked.has(s) && physical.has(driver.spanId(s))).length;
  const extra = (m: Map<string, number>): number => [...m.values()].reduce((n, c) => n + c - 1, 0);
  const refusals: Record<string, number> = {};
  for (const r of records) if (r.status !== 200) refusals[String(r.status)] = (refusals[String(r.status)] ?? 0) + 1;
  return {
    scenario,
    sent,
    acked: acked.size,
    stored: physical.size,
    storedUnacked,
    missing: missingSeqs.length,
    missingSeqs: missingSeqs.slice(0, 10),
    duplicatedPhysical: extra(physical),
    duplicatedFinal: extra(final),
    rejected: records.reduce((n, r) => n + r.rejected, 0),
    refusals,
  };
}

/**
 * Seconds from `from` until acknowledgements were steady again: the answer time of the first 200
 * to a request sent after the last refused one (after `from`). Near 0 when nothing was refused.
 */
export function ackRecoverySeconds(records: readonly RequestRecord[], from: number): number {
  const after = records.filter((r) => r.sentAt >= from);
  let lastRefused = -1;
  after.forEach((r, i) => {
    if (r.status !== 200) lastRefused = i;
  });
  const firstOk = after.slice(lastRefused + 1).find((r) => r.status === 200);
  return firstOk === undefined ? Number.NaN : (firstOk.settledAt - from) / 1000;
}

/** When refused requests were sent, relative to `from` (the fault); '' when none was refused. */
export function refusalWindow(records: readonly RequestRecord[], from: number): string {
  const refused = records.filter((r) => r.status !== 200).map((r) => (r.sentAt - from) / 1000);
  if (refused.length === 0) return '';
  return `refused requests sent from ${Math.min(...refused).toFixed(1)} s to ${Math.max(...refused).toFixed(1)} s after the fault`;
}

export const FIGURES_HEADER = 'scenario | sent | acked | stored | missing | duplicated (physical/final) | recovery s (acks/stored)';

export function figuresLine(f: FaultFigures, ackS: number, storedS: number): string {
  return [
    f.scenario,
    f.sent,
    f.acked,
    f.stored,
    f.missing,
    `${f.duplicatedPhysical}/${f.duplicatedFinal}`,
    `${ackS.toFixed(1)}/${storedS.toFixed(1)}`,
  ].join(' | ');
}

export function detailsLine(f: FaultFigures): string {
  const refused = Object.entries(f.refusals).map(([status, n]) => `${status === '0' ? 'no answer' : status}: ${n}`);
  return `${f.scenario}: stored but not acknowledged ${f.storedUnacked}; refused requests ${refused.length === 0 ? 'none' : refused.join(', ')}`;
}
