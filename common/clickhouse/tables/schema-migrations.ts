// Which migrations ran, when, and by which leader epoch; one copy on every server.
import type { TableDef } from './table-def.ts';

export const schemaMigrationsTable: TableDef = {
  name: 'schema_migrations',
  columns: [
    { name: 'version', type: 'UInt32' },
    { name: 'name', type: 'String' },
    { name: 'applied_at', type: 'DateTime' },
    { name: 'epoch', type: 'UInt64' },
    { name: 'applied_by', type: 'String' },
  ],
  engine: 'ReplacingMergeTree',
  partitionBy: 'tuple()',
  orderBy: 'version',
  placement: { kind: 'global' },
};
