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

  void it('is safe to re-run: CREATE IF NOT EXISTS, DROP IF EXISTS of known objects only, ALTERs behind a check, one INSERT whose rows collapse by key', () => {
    for (const target of [storageTarget('cairn', 'cairn'), storageTarget('cairn', null)]) {
      const statements = allStatements(target);
      statements.forEach((s, i) => {
        if (s.startsWith('INSERT')) {
          // A re-run copies the same spans again; spans_by_trace is a ReplacingMergeTree keyed by
          // (tenant, trace_id, span_id) and read one row per span_id, so the copy changes no answer.
          assert.match(s, /^INSERT INTO `cairn`\.`spans_by_trace` SELECT .* FROM `cairn`\.`spans` WHERE timestamp >= now\(\) - 900$/);
          return;
        }
        if (s.startsWith('DROP')) {
          // v5: the views v1 and v4 hung off spans, and (cluster) the spans front, recreated at once
          // by the next statement with a sharding key that refuses inserts.
          const name = /^DROP TABLE IF EXISTS `cairn`\.`(\w+)`/.exec(s)?.[1];
          assert.ok(name !== undefined && ['trace_index_mv', 'red_minutely_mv', 'service_edges_minutely_mv', 'spans'].includes(name), s);
          if (name === 'spans') assert.match(statements[i + 1] ?? '', /^CREATE TABLE IF NOT EXISTS `cairn`\.`spans` .*ENGINE = Distributed\(.*throwIf\(/);
          return;
        }
        if (s.startsWith('ALTER')) {
          // v5: the rollups' batch mark; migrate() runs it only where system.columns lacks the column.
          assert.match(s, /^ALTER TABLE `cairn`\.`(red_minutely|service_edges_minutely)(_local)?` .*ADD COLUMN `batch_mark` /);
          assert.ok(target.topology.kind === 'single' || s.includes('_local`'), `only the replicated tables are altered: ${s}`);
          return;
        }
        assert.match(s, /^CREATE (DATABASE|TABLE|MATERIALIZED VIEW) IF NOT EXISTS /);
      });
    }
  });
});
