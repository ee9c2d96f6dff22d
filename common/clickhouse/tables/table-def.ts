// The declarative shape of one Cairn table; `ddl.ts` turns it into CREATE statements per topology.

export interface ColumnDef {
  readonly name: string;
  readonly type: string;
}

export interface TableDef {
  /** Public name used by every query and insert. */
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly engine: 'MergeTree' | 'AggregatingMergeTree' | 'ReplacingMergeTree';
  readonly partitionBy: string;
  readonly orderBy: string;
  /** MergeTree settings, `name = value` pairs; unset means the server's defaults. */
  readonly settings?: Readonly<Record<string, number>>;
  /**
   * 'sharded': rows spread over shards by `shardingKey`.
   * 'global': one replicated copy on every server (small bookkeeping tables).
   */
  readonly placement: { readonly kind: 'sharded'; readonly shardingKey: string } | { readonly kind: 'global' };
}

/** Where rows are written: a storage table, or an ingest table that feeds several. */
export interface InsertTable {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
}

/**
 * A table that stores nothing (ENGINE = Null): an insert into it only feeds its materialized
 * views. Placed like the tables it feeds, so on a cluster each shard's views see that shard's rows.
 */
export interface IngestTableDef extends InsertTable {
  readonly placement: TableDef['placement'];
}

/** A materialized view from an ingest table into one storage table. */
export interface ViewDef {
  readonly name: string;
  readonly to: TableDef;
  /** The view's SELECT over `source`, the physical ingest table. */
  readonly select: (source: string) => string;
}
