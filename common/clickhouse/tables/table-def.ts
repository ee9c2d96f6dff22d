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
