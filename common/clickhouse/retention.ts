// Retention by dropping whole day partitions, which works on every ClickHouse version (18.16 has no
// TTL); plus the TTL clause current servers can add on top, chosen by `version()`.
//
// Which partitions exist is read from system.parts, and on a cluster from every shard through the
// `cluster()` table function (one live replica per shard; 18.16 has it): the view-fed rollups and
// any small table put a day on some shards only, so the server the runner talks to is not enough.
// Looping over every day since some guessed "oldest" would cost one ON CLUSTER DDL per empty day,
// and reading the data range would scan the expired partitions. The cutoff is compared in SQL
// with toYYYYMMDD, so partition days and the cutoff use the same (server) time zone.
//
// A drop runs ON CLUSTER against the local table, so every shard drops its part of the day; replicas
// of a shard follow through replication. If a server is down, ON CLUSTER waits for it up to the
// distributed DDL timeout and fails; the queued task still runs when it returns, and the next run
// finds and drops what is left, so the job is safe to repeat.
import { physicalName } from './ddl.ts';
import type { RunOptions, SqlRunner } from './sql-runner.ts';
import { identifier, qualified, raw, sql } from './sql.ts';
import type { SqlFragment } from './sql.ts';
import type { TableDef } from './tables/table-def.ts';
import type { StorageTarget } from './topology.ts';

const DAY_MS = 86_400_000;
const PARTITION_ID = /^\d{8}$/;

export interface RetentionRule {
  readonly table: TableDef;
  /** Rows are kept at least this many whole days after their day ends. */
  readonly days: number;
}

export interface DroppedPartition {
  readonly table: string;
  /** YYYYMMDD, as in system.parts.partition_id. */
  readonly partitionId: string;
}

/** Only tables partitioned by day can be trimmed a partition at a time. */
function checkDayPartitioned(table: TableDef): void {
  const byDay = /^toDate\(\w+\)$/.test(table.partitionBy) || table.columns.some((c) => c.name === table.partitionBy && c.type === 'Date');
  if (!byDay) throw new Error(`table ${table.name} is not partitioned by day (PARTITION BY ${table.partitionBy})`);
}

function checkDays(days: number): void {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`retention days must be a whole number >= 1, got ${days}`);
}

function physicalTable(target: StorageTarget, table: TableDef): { name: string; ref: SqlFragment } {
  const name = physicalName(table, target);
  return { name, ref: qualified(target.database, identifier(name, [name])) };
}

/**
 * The day partitions of `table` older than `cutoff`'s day (a partition holds the day before the
 * cutoff at the latest), across every shard.
 */
export function expiredPartitionsQuery(target: StorageTarget, table: TableDef, cutoff: Date): SqlFragment {
  const parts =
    target.topology.kind === 'cluster' ? sql`cluster(${target.topology.cluster}, 'system', 'parts')` : raw('system.parts');
  return sql`SELECT DISTINCT partition_id FROM ${parts} WHERE database = ${target.database.name} AND table = ${physicalName(table, target)} AND active AND partition_id < toString(toYYYYMMDD(${cutoff})) ORDER BY partition_id`;
}

/** DROP PARTITION ID (the form both dialects accept for any key type), on every shard of a cluster. */
export function dropPartitionStatement(target: StorageTarget, table: TableDef, partitionId: string): SqlFragment {
  if (!PARTITION_ID.test(partitionId)) throw new Error(`unexpected partition id "${partitionId}" for ${table.name}`);
  const { ref } = physicalTable(target, table);
  const onCluster = target.topology.kind === 'cluster' ? sql` ON CLUSTER ${target.topology.cluster}` : raw('');
  return sql`ALTER TABLE ${ref}${onCluster} DROP PARTITION ID ${partitionId}`;
}

/** The cutoff for `days` of retention: partitions of days before this instant's day expire. */
export function retentionCutoff(now: Date, days: number): Date {
  checkDays(days);
  return new Date(now.getTime() - days * DAY_MS);
}

/**
 * Drops every day partition older than each rule allows, as of `now`; returns what it dropped. Pass
 * a generous `timeoutMs` on a cluster: each drop is one distributed DDL.
 */
export async function dropExpiredPartitions(
  runner: SqlRunner,
  target: StorageTarget,
  rules: readonly RetentionRule[],
  now: Date,
  options?: RunOptions,
): Promise<DroppedPartition[]> {
  for (const rule of rules) {
    checkDayPartitioned(rule.table);
    checkDays(rule.days);
  }
  const dropped: DroppedPartition[] = [];
  for (const rule of rules) {
    const query = expiredPartitionsQuery(target, rule.table, retentionCutoff(now, rule.days));
    const rows = await runner.queryRows<{ partition_id: string }>(query, options);
    for (const { partition_id: partitionId } of rows) {
      await runner.command(dropPartitionStatement(target, rule.table, partitionId), options);
      dropped.push({ table: rule.table.name, partitionId });
    }
  }
  return dropped;
}

/** Table TTL arrived in ClickHouse 19.6. */
export function supportsTtl(version: string): boolean {
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (match === null) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major > 19 || (major === 19 && minor >= 6);
}

export async function serverVersion(runner: SqlRunner, options?: RunOptions): Promise<string> {
  const rows = await runner.queryRows<{ version: string }>(sql`SELECT version() AS version`, options);
  const version = rows[0]?.version;
  if (version === undefined) throw new Error('SELECT version() returned no row');
  return version;
}

/**
 * `TTL toDate(<column>) + INTERVAL <days + 1> DAY` for servers that have TTL, else null: the same
 * promise as the partition drops (rows are kept `days` whole days after their day ends), so a
 * merge never removes a row the partition job would still keep. An addition only: no query
 * changes shape.
 */
export function ttlClause(version: string, table: TableDef, column: string, days: number): SqlFragment | null {
  checkDays(days);
  const def = table.columns.find((c) => c.name === column);
  if (def === undefined || (def.type !== 'DateTime' && def.type !== 'Date')) {
    throw new Error(`${table.name}.${column} is not a Date or DateTime column`);
  }
  if (!supportsTtl(version)) return null;
  return sql`TTL toDate(${identifier(column, table.columns.map((c) => c.name))}) + INTERVAL ${days + 1} DAY`;
}

/** The column a day-partitioned table is partitioned by: `toDate(x)` gives x, a Date column itself. */
export function dayColumn(table: TableDef): string {
  checkDayPartitioned(table);
  return /^toDate\((\w+)\)$/.exec(table.partitionBy)?.[1] ?? table.partitionBy;
}

/** Whether the physical table already has exactly this rule's TTL (as the server normalises it). */
async function hasTtl(runner: SqlRunner, target: StorageTarget, rule: RetentionRule, options?: RunOptions): Promise<boolean> {
  const rows = await runner.queryRows<{ engine_full: string }>(
    sql`SELECT engine_full FROM system.tables WHERE database = ${target.database.name} AND name = ${physicalName(rule.table, target)}`,
    options,
  );
  return rows[0]?.engine_full.includes(`TTL toDate(${dayColumn(rule.table)}) + toIntervalDay(${rule.days + 1})`) ?? false;
}

/**
 * Adds (or changes) each rule's TTL on servers that have TTL; returns the tables altered. A table
 * that already has the rule's TTL is left alone, so a restart does not make the server rewrite
 * its parts again. On 18.16 it does nothing: the partition drops are the whole retention there.
 */
export async function applyTtl(
  runner: SqlRunner,
  target: StorageTarget,
  rules: readonly RetentionRule[],
  options?: RunOptions,
): Promise<string[]> {
  const version = await serverVersion(runner, options);
  const altered: string[] = [];
  for (const rule of rules) {
    const ttl = ttlClause(version, rule.table, dayColumn(rule.table), rule.days);
    if (ttl === null) continue;
    if (await hasTtl(runner, target, rule, options)) continue;
    await runner.command(modifyTtlStatement(target, rule.table, ttl), options);
    altered.push(rule.table.name);
  }
  return altered;
}

/** ALTER TABLE ... MODIFY TTL on the physical table (every server of a cluster). */
export function modifyTtlStatement(target: StorageTarget, table: TableDef, ttl: SqlFragment): SqlFragment {
  const { ref } = physicalTable(target, table);
  const onCluster = target.topology.kind === 'cluster' ? sql` ON CLUSTER ${target.topology.cluster}` : raw('');
  return sql`ALTER TABLE ${ref}${onCluster} MODIFY ${ttl}`;
}
