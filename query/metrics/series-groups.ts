// Folding per-series step values into the groups of a metrics answer: series are grouped by the
// values of the `by` labels (all series in one group without `by`; each series its own group with
// agg=none), and each group's value per step is the sum, mean, minimum or maximum over the series
// that have a value in that step. Histograms are merged by adding their counts instead.

export const AGGREGATIONS = ['sum', 'avg', 'min', 'max', 'none'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export interface SeriesIdentity {
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Group<V> {
  readonly labels: Record<string, string>;
  /** Step index -> value. */
  readonly steps: Map<number, V>;
}

/** The group a series belongs to: its key and the labels the answer shows for it. */
export function groupOf(s: SeriesIdentity, by: readonly string[], agg: Aggregation): { key: string; labels: Record<string, string> } {
  if (agg === 'none') return { key: s.fingerprint, labels: { ...s.labels } };
  const labels = Object.fromEntries(by.map((k) => [k, s.labels[k] ?? '']));
  return { key: JSON.stringify(by.map((k) => labels[k])), labels };
}

/**
 * Combines step values of many series into groups. `merge` adds two values of one step (histograms,
 * or numbers for sum); numbers with avg/min/max go through aggregateNumbers instead.
 */
export function mergeIntoGroups<V>(
  perSeries: ReadonlyMap<string, ReadonlyMap<number, V>>,
  identities: ReadonlyMap<string, SeriesIdentity>,
  by: readonly string[],
  agg: Aggregation,
  merge: (a: V, b: V) => V,
): Map<string, Group<V>> {
  const groups = new Map<string, Group<V>>();
  for (const [fp, steps] of perSeries) {
    const identity = identities.get(fp);
    if (identity === undefined) continue;
    const { key, labels } = groupOf(identity, by, agg);
    const group = groups.get(key) ?? { labels, steps: new Map<number, V>() };
    groups.set(key, group);
    for (const [step, v] of steps) {
      const had = group.steps.get(step);
      group.steps.set(step, had === undefined ? v : merge(had, v));
    }
  }
  return groups;
}

/** Number values per group and step, combined across series with `agg`. */
export function aggregateNumbers(
  perSeries: ReadonlyMap<string, ReadonlyMap<number, number>>,
  identities: ReadonlyMap<string, SeriesIdentity>,
  by: readonly string[],
  agg: Aggregation,
): Map<string, Group<number>> {
  if (agg === 'sum' || agg === 'none') return mergeIntoGroups(perSeries, identities, by, agg, (a, b) => a + b);
  if (agg === 'min') return mergeIntoGroups(perSeries, identities, by, agg, (a, b) => (a < b || Number.isNaN(a) ? a : b));
  if (agg === 'max') return mergeIntoGroups(perSeries, identities, by, agg, (a, b) => (a > b || Number.isNaN(a) ? a : b));
  // avg: sum and count together, divided at the end.
  const withCounts = new Map([...perSeries].map(([fp, steps]) => [fp, new Map([...steps].map(([i, v]): [number, readonly [number, number]] => [i, [v, 1]]))]));
  const summed = mergeIntoGroups(withCounts, identities, by, agg, (a, b): readonly [number, number] => [a[0] + b[0], a[1] + b[1]]);
  return new Map(
    [...summed].map(([key, g]) => [key, { labels: g.labels, steps: new Map([...g.steps].map(([i, [sum, n]]) => [i, sum / n])) }]),
  );
}
