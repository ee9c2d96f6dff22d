// The logs table: one row per log record. The body is stored as text plus its AttrType code (a
// string body as-is, so full-text filters read it directly); attributes are parallel key/type/value
// arrays, as in spans (see attribute-encoding.ts), so any attribute is filterable without a schema
// change.
import type { TableDef } from './table-def.ts';

export const logsTable: TableDef = {
  name: 'logs',
  columns: [
    { name: 'tenant', type: 'String' },
    { name: 'timestamp', type: 'DateTime' },
    { name: 'time_unix_nano', type: 'UInt64' },
    { name: 'observed_time_unix_nano', type: 'UInt64' },
    { name: 'severity_number', type: 'UInt8' },
    { name: 'severity_text', type: 'String' },
    { name: 'body', type: 'String' },
    { name: 'body_type', type: 'UInt8' },
    { name: 'attr_keys', type: 'Array(String)' },
    { name: 'attr_types', type: 'Array(UInt8)' },
    { name: 'attr_values', type: 'Array(String)' },
    { name: 'dropped_attributes_count', type: 'UInt32' },
    { name: 'flags', type: 'UInt32' },
    { name: 'trace_id', type: 'String' },
    { name: 'span_id', type: 'String' },
    { name: 'event_name', type: 'String' },
    { name: 'service_name', type: 'String' },
    { name: 'resource_attr_keys', type: 'Array(String)' },
    { name: 'resource_attr_types', type: 'Array(UInt8)' },
    { name: 'resource_attr_values', type: 'Array(String)' },
    { name: 'scope_name', type: 'String' },
    { name: 'scope_version', type: 'String' },
  ],
  // Plain MergeTree: a log record has no identity to collapse duplicates by. A client's retried
  // export is caught earlier, by block deduplication of byte-identical inserts.
  engine: 'MergeTree',
  partitionBy: 'toDate(timestamp)',
  // Tenant and an hour bucket lead, so every query (always tenant- and time-bounded) reads a narrow
  // range; service and severity next serve the common filters ("errors of service X").
  orderBy: '(tenant, toStartOfHour(timestamp), service_name, severity_number, timestamp)',
  // One service's logs on one shard: a tenant+service query touches one shard's data per hour.
  placement: { kind: 'sharded', shardingKey: 'cityHash64(tenant, service_name)' },
};
