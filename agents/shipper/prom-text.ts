// Parses the Prometheus text exposition format (0.0.4, what prom-client and most exporters serve)
// into metric families. A sample belongs to the family its `# TYPE` line declared: a histogram's
// `_bucket`, `_sum` and `_count` samples, a summary's quantiles, `_sum` and `_count`. A sample with
// no TYPE is its own untyped family. A malformed line is reported and skipped; the rest of the
// scrape is kept.

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name, e.g. `http_seconds_bucket` in family `http_seconds`. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs?: number;
}

export interface Family {
  readonly name: string;
  type: FamilyType;
  help: string;
  readonly samples: Sample[];
}

export interface ParsedScrape {
  readonly families: Family[];
  /** "line N: what is wrong", one per skipped line. */
  readonly errors: string[];
}

const TYPES: readonly string[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** As Prometheus reads values (Go's ParseFloat): NaN and Inf in any case; prom-client writes "Nan". */
function parseValue(text: string): number | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special !== null) return special[2]?.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  const n = Number(text);
  return text !== '' && !Number.isNaN(n) ? n : undefined;
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** `{a="x",b="y\"z"}` from the start of `text`: the labels and the rest after `}`. */
function parseLabels(text: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const name = LABEL.exec(text.slice(i))?.[0];
    if (name === undefined) throw new Error(`bad label name at column ${i + 1}`);
    i += name.length;
    while (text[i] === ' ') i++;
    if (text[i] !== '=' || text[i + 1] !== '"') throw new Error(`label ${name}: expected ="`);
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Error(`label ${name}: unterminated value`);
      i++;
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i++];
        value += e === 'n' ? '\n' : (e ?? '');
      } else value += c;
    }
    labels[name] = value;
  }
}

function parseSample(line: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) throw new Error('no metric name');
  let rest = line.slice(name.length).trimStart();
  let labels: Record<string, string> = {};
  if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest));
  const [valueText = '', tsText, extra] = rest.trim().split(/\s+/);
  const value = parseValue(valueText);
  if (value === undefined) throw new Error(`${name}: "${valueText}" is not a number`);
  if (extra !== undefined) throw new Error(`${name}: unexpected "${extra}" after the timestamp`);
  if (tsText === undefined) return { name, labels, value };
  const ts = Number(tsText);
  if (!Number.isInteger(ts)) throw new Error(`${name}: timestamp "${tsText}" is not integer milliseconds`);
  return { name, labels, value, timestampMs: ts };
}

/** Which declared family a sample name belongs to, by the suffixes its type allows. */
function familyOf(sample: string, declared: ReadonlyMap<string, Family>): Family | undefined {
  const exact = declared.get(sample);
  if (exact !== undefined) return exact;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sample.endsWith(suffix)) continue;
    const f = declared.get(sample.slice(0, -suffix.length));
    if (f !== undefined && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f;
  }
  return undefined;
}

export function parsePromText(text: string): ParsedScrape {
  const families = new Map<string, Family>();
  const errors: string[] = [];
  const family = (name: string): Family => {
    let f = families.get(name);
    if (f === undefined) {
      f = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, f);
    }
    return f;
  };
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      const meta = /^#\s*(HELP|TYPE)\s+(\S+)\s*(.*)$/.exec(line);
      if (meta !== null) {
        const [, kind, name = '', rest = ''] = meta;
        if (kind === 'HELP') family(name).help = unescapeHelp(rest);
        else if (TYPES.includes(rest)) family(name).type = rest as FamilyType;
        else throw new Error(`TYPE ${name}: unknown type "${rest}"`);
        return;
      }
      if (line.startsWith('#')) return;
      const sample = parseSample(line);
      (familyOf(sample.name, families) ?? family(sample.name)).samples.push(sample);
    } catch (err) {
      errors.push(`line ${index + 1}: ${(err as Error).message}`);
    }
  });
  return { families: [...families.values()].filter((f) => f.samples.length > 0), errors };
}
