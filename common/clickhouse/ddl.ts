// Turns table and view definitions into CREATE statements for a topology. Names come from the
// definitions in tables/ (code, not input), the database and cluster from vetted identifiers.
import { literal, raw, sql } from './sql.ts';
import type { SqlFragment } from './sql.ts';
import type { ColumnDef, IngestTableDef, TableDef } from './tables/table-def.ts';
import type { StorageTarget } from './topology.ts';

const LOCAL_SUFFIX = '_local';

/** The physical table rows are written to on each server (the view source/target names). */
export function physicalName(table: Pick<TableDef, 'name' | 'placement'>, target: StorageTarget): string {
  return target.topology.kind === 'cluster' && table.placement.kind === 'sharded'
    ? table.name + LOCAL_SUFFIX
    : table.name;
}

function onCluster(target: StorageTarget): string {
  return target.topology.kind === 'cluster' ? ` ON CLUSTER ${literal(clusterName(target))}` : '';
}

function clusterName(target: StorageTarget): string {
  if (target.topology.kind !== 'cluster') throw new Error('not a cluster topology');
  return target.topology.cluster;
}

function q(db: string, table: string): string {
  return `\`${db}\`.\`${table}\``;
}

function engineClause(table: TableDef, target: StorageTarget, physical: string): string {
  if (target.topology.kind === 'single') return table.engine;
  const db = target.database.name;
  // Sharded tables get one ZooKeeper path per shard; global ones one path shared by all servers.
  const zkPath =
    table.placement.kind === 'sharded'
      ? `/clickhouse/tables/{shard}/${db}/${physical}`
      : `/clickhouse/tables/global/${db}/${physical}`;
  return `Replicated${table.engine}(${literal(zkPath)}, '{replica}')`;
}

export function createDatabase(target: StorageTarget): SqlFragment {
  return raw(`CREATE DATABASE IF NOT EXISTS \`${target.database.name}\`${onCluster(target)}`);
}

export function dropDatabase(target: StorageTarget): SqlFragment {
  return raw(`DROP DATABASE IF EXISTS \`${target.database.name}\`${onCluster(target)}`);
}

function settingsClause(table: TableDef): string {
  const entries = Object.entries(table.settings ?? {});
  return entries.length === 0 ? '' : ` SETTINGS ${entries.map(([k, v]) => `${k} = ${v}`).join(', ')}`;
}

function columnList(table: Pick<TableDef, 'columns'>): string {
  return table.columns.map((c) => `\`${c.name}\` ${c.type}`).join(', ');
}

/** On a cluster, the Distributed table named `table.name` over its physical table on every shard. */
function distributedFront(table: Pick<TableDef, 'name' | 'placement'>, target: StorageTarget, shardingKey: string): SqlFragment {
  const db = target.database.name;
  const physical = physicalName(table, target);
  return raw(
    `CREATE TABLE IF NOT EXISTS ${q(db, table.name)}${onCluster(target)} AS ${q(db, physical)} ` +
      `ENGINE = Distributed(${literal(clusterName(target))}, ${literal(db)}, ${literal(physical)}, ${shardingKey})`,
  );
}

/** CREATE statements for one table: the storage table and, on a cluster, its Distributed front. */
export function createTable(table: TableDef, target: StorageTarget): SqlFragment[] {
  const db = target.database.name;
  const physical = physicalName(table, target);
  const storage = raw(
    `CREATE TABLE IF NOT EXISTS ${q(db, physical)}${onCluster(target)} (${columnList(table)}) ` +
      `ENGINE = ${engineClause(table, target, physical)} ` +
      `PARTITION BY ${table.partitionBy} ORDER BY ${table.orderBy}${settingsClause(table)}`,
  );
  if (physical === table.name || table.placement.kind !== 'sharded') return [storage];
  return [storage, distributedFront(table, target, table.placement.shardingKey)];
}

/** CREATE statements for an ingest table: ENGINE = Null and, on a cluster, its Distributed front. */
export function createIngestTable(table: IngestTableDef, target: StorageTarget): SqlFragment[] {
  const physical = physicalName(table, target);
  const storage = raw(`CREATE TABLE IF NOT EXISTS ${q(target.database.name, physical)}${onCluster(target)} (${columnList(table)}) ENGINE = Null`);
  if (physical === table.name || table.placement.kind !== 'sharded') return [storage];
  return [storage, distributedFront(table, target, table.placement.shardingKey)];
}

/**
 * A statement that runs only while `doneIf` (a query for one row with a column `n`) answers 0:
 * for changes 18.16 cannot write idempotently (it has no ADD COLUMN IF NOT EXISTS).
 */
export interface ConditionalStatement {
  readonly statement: SqlFragment;
  readonly doneIf: SqlFragment;
}

/**
 * Adds a column to the table that stores the rows (on a cluster, the replicated local table on every
 * server). Skipped where the server the migration talks to already has it: an ON CLUSTER ALTER
 * issued before is applied by every server's DDL queue, even if the migration stopped right after.
 * The Distributed front is left as it is: 18.16 refuses ON CLUSTER ALTERs of a table that is not
 * replicated on a cluster of replicated shards, and only columns that reads or inserts through the
 * front name need to be there.
 */
export function addColumn(table: TableDef, column: ColumnDef, target: StorageTarget): ConditionalStatement {
  const db = target.database.name;
  const physical = physicalName(table, target);
  return {
    statement: raw(`ALTER TABLE ${q(db, physical)}${onCluster(target)} ADD COLUMN \`${column.name}\` ${column.type}`),
    doneIf: sql`SELECT count() AS n FROM system.columns WHERE database = ${db} AND table = ${physical} AND name = ${column.name}`,
  };
}

/** Drops a materialized view (18.16 drops views with DROP TABLE). */
export function dropView(name: string, target: StorageTarget): SqlFragment {
  return raw(`DROP TABLE IF EXISTS ${q(target.database.name, name)}${onCluster(target)}`);
}

/**
 * On a cluster, recreates a sharded table's Distributed front so that reads work and inserts fail:
 * its sharding key, evaluated only on insert, throws. `guardColumn` must be a String column (18.16
 * folds a constant key at CREATE time, so the expression has to read a column). Single-node
 * topologies have no front; nothing to do.
 */
export function refuseInserts(table: TableDef, guardColumn: string, target: StorageTarget): SqlFragment[] {
  if (target.topology.kind !== 'cluster' || table.placement.kind !== 'sharded') return [];
  return [
    raw(`DROP TABLE IF EXISTS ${q(target.database.name, table.name)}${onCluster(target)}`),
    distributedFront(table, target, `throwIf(length(\`${guardColumn}\`) >= 0)`),
  ];
}

/** A materialized view from one table's physical rows into another's, on the same server. */
export function createView(
  name: string,
  from: Pick<TableDef, 'name' | 'placement'>,
  to: TableDef,
  select: (source: string) => string,
  target: StorageTarget,
): SqlFragment {
  const db = target.database.name;
  return raw(
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${q(db, name)}${onCluster(target)} ` +
      `TO ${q(db, physicalName(to, target))} AS ${select(q(db, physicalName(from, target)))}`,
  );
}
