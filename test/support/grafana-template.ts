// Grafana's template-variable interpolation, as a ClickHouse panel query goes through it in the
// browser before the plugin's backend sees it (grafana-clickhouse-datasource, src/data/CHDatasource.ts
// applyTemplateVariables): first the plugin's $__conditionalAll, then templateSrv.replace with the
// plugin's format function for variables written without an explicit format. Ported from those
// sources so the tests run the SQL Grafana would send, not an approximation of it.

/** A variable's state as the dashboard holds it. */
export interface VariableState {
  /** current.value: a string, or the selected values of a multi-value variable ('$__all' for All). */
  readonly value: string | readonly string[];
  /** What All stands for when the variable has no custom allValue: every option's value. */
  readonly options?: readonly string[];
  readonly allValue?: string;
}

export type Variables = Readonly<Record<string, VariableState>>;

export const ALL_VALUE = '$__all';

// Grafana's variableRegex (public/app/features/variables/utils.ts): $name, [[name:fmt]], ${name.path:fmt}.
const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

type Formatter = (value: string | readonly string[]) => string;

// Grafana's formatRegistry entries the dashboards may use. sqlstring doubles ' and escapes " with a
// backslash, and quotes every value; it does not escape backslashes (a value ending in \ breaks).
const SQL_ESCAPES: Readonly<Record<string, string>> = { "'": "''", '"': '\\"' };
const sqlString = (v: string): string => `'${v.replace(/'|"/g, (m) => SQL_ESCAPES[m] ?? '')}'`;
const FORMATS: Readonly<Record<string, Formatter>> = {
  sqlstring: (value) => (typeof value === 'string' ? sqlString(value) : value.map(sqlString).join(',')),
  raw: (value) => (typeof value === 'string' ? value : value.join(',')),
  csv: (value) => (typeof value === 'string' ? value : value.join(',')),
};

/** The ClickHouse plugin's own format function: multi-values quoted and joined, no escaping. */
export const clickHousePluginFormat: Formatter = (value) => (typeof value === 'string' ? value : `'${value.join("','")}'`);

function isAll(value: string | readonly string[]): boolean {
  return value === ALL_VALUE || (typeof value !== 'string' && value[0] === ALL_VALUE);
}

/** templateSrv.replace(text, scopedVars, format). Unknown names (and macros such as $__timeFilter) stay as they are. */
export function replaceVariables(text: string, vars: Variables, format: Formatter): string {
  return text.replace(VARIABLE_REGEX, (match: string, ...groups: unknown[]) => {
    const [var1, var2, fmt2, var3, fieldPath, fmt3] = groups as (string | undefined)[];
    const name = var1 ?? var2 ?? var3 ?? '';
    const variable = Object.hasOwn(vars, name) ? vars[name] : undefined;
    if (variable === undefined) return match;
    if (fieldPath !== undefined) throw new Error(`${match}: field paths are not supported here`);
    const explicit = fmt2 ?? fmt3;
    let value = variable.value;
    if (isAll(value)) {
      // A custom all value is inserted unformatted (Grafana skips formatting it).
      if (variable.allValue !== undefined) return variable.allValue;
      value = variable.options ?? [];
    }
    if (explicit === undefined) return format(value);
    const formatter = FORMATS[explicit];
    if (formatter === undefined) throw new Error(`${match}: format "${explicit}" is not one the tests know`);
    return formatter(value);
  });
}

/** The plugin's getMacroArgs: the arguments of the call whose '(' is at argsIndex, split at depth 1. */
function macroArgs(query: string, argsIndex: number): string[] {
  const args: string[] = [];
  const re = /\(|\)|,/g;
  let depth = 0;
  let lastArgEnd = 1;
  const sub = query.substring(argsIndex);
  for (let m = re.exec(sub); m !== null; m = re.exec(sub)) {
    if (m[0] === '(') depth++;
    else if (m[0] === ')') depth--;
    if (m[0] === ',' && depth === 1) {
      args.push(sub.substring(lastArgEnd, re.lastIndex - 1));
      lastArgEnd = re.lastIndex;
    }
    if (depth === 0) {
      args.push(sub.substring(lastArgEnd, re.lastIndex - 1));
      return args;
    }
  }
  return [];
}

/**
 * The plugin's applyConditionalAll: `$__conditionalAll(condition, $var)` becomes `1=1` when the
 * variable is All or empty, else the condition (whose variables are replaced afterwards).
 */
export function applyConditionalAll(rawQuery: string, vars: Variables): string {
  const macro = '$__conditionalAll(';
  let query = rawQuery;
  for (let at = query.lastIndexOf(macro); at !== -1; at = query.lastIndexOf(macro)) {
    const params = macroArgs(query, at + macro.length - 1);
    const [condition, variableParam] = params;
    if (params.length !== 2 || condition === undefined || variableParam === undefined) return query;
    const name = /(?<=\$\{)[\w\d]+(?=\})|(?<=\$)[\w\d]+/.exec(variableParam.trim());
    let phrase = condition;
    if (name !== null) {
      const value = vars[name[0]]?.value.toString();
      if (value === '' || value === ALL_VALUE) phrase = '1=1';
    }
    query = query.replace(`${macro}${condition},${variableParam})`, phrase);
  }
  return query;
}

/** What the ClickHouse plugin's frontend sends to its backend for a raw-SQL query. */
export function interpolateClickHouseQuery(rawSql: string, vars: Variables): string {
  return replaceVariables(applyConditionalAll(rawSql, vars), vars, clickHousePluginFormat);
}
