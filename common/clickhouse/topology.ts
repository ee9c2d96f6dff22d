// Where the tables live. A cluster gets replicated local tables plus Distributed tables with the
// public names; the embedded engine gets plain MergeTree tables with the public names. Queries and
// inserts only ever use the public names, so the same SQL serves both.
import { databaseIdentifier } from './sql.ts';
import type { Identifier } from './sql.ts';

export type Topology =
  | { readonly kind: 'cluster'; readonly cluster: string }
  | { readonly kind: 'single' };

export interface StorageTarget {
  readonly database: Identifier;
  readonly topology: Topology;
}

const CLUSTER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function storageTarget(database: string, cluster: string | null): StorageTarget {
  if (cluster === null) return { database: databaseIdentifier(database), topology: { kind: 'single' } };
  if (!CLUSTER_PATTERN.test(cluster)) {
    throw new Error(`cluster name "${cluster}" must be letters, digits and underscores`);
  }
  return { database: databaseIdentifier(database), topology: { kind: 'cluster', cluster } };
}
