// Snapshot of every DDL statement a fresh database gets, for the cluster and the single-node
// topology, so a change to generated SQL shows up in review as a diff of
// test/unit/snapshots/ddl-*.sql (one statement per line). UPDATE_SNAPSHOTS=1 rewrites them.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { allStatements } from '../../common/clickhouse/migrations.ts';
import { storageTarget } from '../../common/clickhouse/topology.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';

// Read by the test itself, not by Cairn: tests may look at their own switches.
const update = process.env['UPDATE_SNAPSHOTS'] === '1';

function checkSnapshot(file: string, target: StorageTarget): void {
  const path = fileURLToPath(new URL(`snapshots/${file}`, import.meta.url));
  const statements = allStatements(target);
  for (const s of statements) assert.ok(!s.includes('\n'), `statement spans lines: ${s}`);
  const actual = statements.join('\n') + '\n';
  if (update) {
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `${path} missing: run with UPDATE_SNAPSHOTS=1 to create it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `DDL differs from ${file}; if intended, rerun with UPDATE_SNAPSHOTS=1 and review the diff`);
}

void describe('DDL snapshots', () => {
  void it('cluster topology (replicated local tables plus Distributed fronts)', () => {
    checkSnapshot('ddl-cluster.sql', storageTarget('cairn', 'cairn'));
  });

  void it('single-node topology (embedded engine)', () => {
    checkSnapshot('ddl-single.sql', storageTarget('cairn', null));
  });

  void it('puts the database and cluster names only where the target says', () => {
    const statements = allStatements(storageTarget('other_db', 'other_cluster'));
    assert.ok(statements.every((s) => !s.includes('`cairn`')));
    assert.ok(statements.filter((s) => s.startsWith('CREATE')).every((s) => s.includes("ON CLUSTER 'other_cluster'")));
    assert.ok(allStatements(storageTarget('other_db', null)).every((s) => !s.includes('ON CLUSTER') && !s.includes('Replicated')));
  });

  void it('is safe to re-run: every CREATE is IF NOT EXISTS; the one INSERT fills a table whose rows collapse by key', () => {
    for (const s of [...allStatements(storageTarget('cairn', 'cairn')), ...allStatements(storageTarget('cairn', null))]) {
      if (s.startsWith('INSERT')) {
        // A re-run copies the same spans again; spans_by_trace is a ReplacingMergeTree keyed by
        // (tenant, trace_id, span_id) and read one row per span_id, so the copy changes no answer.
        assert.match(s, /^INSERT INTO `cairn`\.`spans_by_trace` SELECT .* FROM `cairn`\.`spans` WHERE timestamp >= now\(\) - 900$/);
        continue;
      }
      assert.match(s, /^CREATE (DATABASE|TABLE|MATERIALIZED VIEW) IF NOT EXISTS /);
    }
  });
});
