// Turns table and view definitions into CREATE statements for a topology. Names come from the
// definitions in tables/ (code, not input), the database and cluster from vetted identifiers.
import { literal, raw, sql } from './sql.ts';
import type { SqlFragment } from './sql.ts';
import type { TableDef } from './tables/table-def.ts';
import type { StorageTarget } from './topology.ts';

const LOCAL_SUFFIX = '_local';

/** The physical table rows are written to on each server (the view source/target names). */
export function physicalName(table: TableDef, target: StorageTarget): string {
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

/** CREATE statements for one table: the storage table and, on a cluster, its Distributed front. */
export function createTable(table: TableDef, target: StorageTarget): SqlFragment[] {
  const db = target.database.name;
  const physical = physicalName(table, target);
  const columns = table.columns.map((c) => `\`${c.name}\` ${c.type}`).join(', ');
  const storage = raw(
    `CREATE TABLE IF NOT EXISTS ${q(db, physical)}${onCluster(target)} (${columns}) ` +
      `ENGINE = ${engineClause(table, target, physical)} ` +
      `PARTITION BY ${table.partitionBy} ORDER BY ${table.orderBy}${settingsClause(table)}`,
  );
  if (physical === table.name) return [storage];
  if (table.placement.kind !== 'sharded') return [storage];
  const distributed = sql`CREATE TABLE IF NOT EXISTS ${raw(q(db, table.name))}${raw(onCluster(target))} AS ${raw(q(db, physical))} ENGINE = Distributed(${clusterName(target)}, ${db}, ${physical}, ${raw(table.placement.shardingKey)})`;
  return [storage, distributed];
}

/** A materialized view from one table's physical rows into another's, on the same server. */
export function createView(
  name: string,
  from: TableDef,
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
