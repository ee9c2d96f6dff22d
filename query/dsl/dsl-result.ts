// Rows of a DSL query as the API returns them: one object per row keyed by the client's column
// names (generated aliases never leave the service), bucket starts as RFC 3339.
import type { ColumnKind, DslPlan } from './dsl-plan.ts';

export interface DslAnswer {
  readonly columns: Array<{ name: string; kind: ColumnKind }>;
  readonly rows: Array<Record<string, unknown>>;
}

export function dslAnswer(plan: DslPlan, rows: ReadonlyArray<Record<string, unknown>>): DslAnswer {
  return {
    columns: plan.columns.map((c) => ({ name: c.name, kind: c.kind })),
    // fromEntries defines own properties, so no column name (even "__proto__") reaches a prototype.
    rows: rows.map((row) =>
      Object.fromEntries(
        plan.columns.map((c) => {
          const v = row[c.alias.name] ?? null;
          return [c.name, c.kind === 'bucket' && v !== null ? new Date(Number(v) * 1000).toISOString() : v];
        }),
      ),
    ),
  };
}
