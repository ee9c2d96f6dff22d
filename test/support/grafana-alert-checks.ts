// Checks of the provisioning files: the datasources carry the uids and environment variables the
// dashboards and the compose file rely on, the dashboard provider points where the README says the
// JSON is mounted, and every alert rule is well formed, reads provisioned datasources and exposed
// series, and has its own section in docs/runbook.md.
import { isAbsolute } from 'node:path';
import { parseDuration } from './grafana-durations.ts';
import type { Problem } from './grafana-checks.ts';
import { CLICKHOUSE_UID, PROMETHEUS_UID, alertRules } from './grafana-dashboards.ts';
import type { AlertRule, Provisioning } from './grafana-dashboards.ts';
import { seriesNamesIn } from './prometheus-metric-names.ts';

const EXPRESSION_UID = '__expr__';

/** What each provisioned datasource must say (env var names are shared with the compose file). */
const EXPECTED_DATASOURCES: ReadonlyArray<{ uid: string; type: string; fields: Readonly<Record<string, string>> }> = [
  { uid: PROMETHEUS_UID, type: 'prometheus', fields: { url: '${CAIRN_PROMETHEUS_URL}' } },
  {
    uid: CLICKHOUSE_UID,
    type: 'grafana-clickhouse-datasource',
    fields: {
      'jsonData.host': '${CAIRN_CLICKHOUSE_HOST}',
      'jsonData.port': '${CAIRN_CLICKHOUSE_PORT}',
      'jsonData.protocol': 'native',
      'jsonData.username': '${CAIRN_CLICKHOUSE_USER}',
      'secureJsonData.password': '${CAIRN_CLICKHOUSE_PASSWORD}',
    },
  },
];

function field(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/** uid -> type of the provisioned datasources. */
export function provisionedDatasources(p: Provisioning): Map<string, string> {
  return new Map((p.datasources.datasources ?? []).map((d) => [d.uid ?? '', d.type ?? '']));
}

export function checkDatasources(p: Provisioning): Problem[] {
  const out: Problem[] = [];
  const where = 'provisioning/datasources';
  if (p.datasources.apiVersion !== 1) out.push({ check: 'datasources', where, message: 'apiVersion must be 1' });
  const list = p.datasources.datasources ?? [];
  if (new Set(list.map((d) => d.uid)).size !== list.length || new Set(list.map((d) => d.name)).size !== list.length) out.push({ check: 'datasources', where, message: 'uids and names must be unique' });
  for (const want of EXPECTED_DATASOURCES) {
    const ds = list.find((d) => d.uid === want.uid);
    if (ds?.type !== want.type) out.push({ check: 'datasources', where, message: `${want.uid} must be a ${want.type} datasource` });
    for (const [path, value] of Object.entries(want.fields)) {
      if (field(ds, path) !== value) out.push({ check: 'datasources', where, message: `${want.uid} ${path} must be ${value}` });
    }
  }
  return out;
}

/** The provider loads files from an absolute path that the dashboards' README names. */
export function checkDashboardProvider(p: Provisioning, readme: string): Problem[] {
  const out: Problem[] = [];
  const where = 'provisioning/dashboards';
  const providers = p.dashboards.providers ?? [];
  const [provider] = providers;
  const path = provider?.options?.path ?? '';
  if (p.dashboards.apiVersion !== 1 || providers.length !== 1 || provider?.type !== 'file') out.push({ check: 'provider', where, message: 'one file provider, apiVersion 1' });
  if (!isAbsolute(path)) out.push({ check: 'provider', where, message: `options.path "${path}" must be an absolute path in the Grafana container` });
  if (!readme.includes(path)) out.push({ check: 'provider', where, message: `dashboards/README.md must say where to mount the JSON files (${path})` });
  if ((provider?.folder ?? '') === '') out.push({ check: 'provider', where, message: 'the provider needs a folder' });
  return out;
}

/** GitHub's anchor for a heading. */
export const anchorOf = (heading: string): string => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

export interface AlertCheckContext {
  readonly datasources: ReadonlyMap<string, string>;
  readonly series: ReadonlySet<string>;
  readonly runbook: string;
}

function checkRuleData(rule: AlertRule, where: string, ctx: AlertCheckContext, out: Problem[]): void {
  const seen: string[] = [];
  for (const q of rule.data ?? []) {
    const refId = q.refId ?? '';
    const model = q.model ?? {};
    if (refId === '' || seen.includes(refId) || model.refId !== refId) out.push({ check: 'alert-data', where, message: `refId "${refId}" must be set, unique and equal to model.refId` });
    if (q.datasourceUid === EXPRESSION_UID) {
      const inputs = model.type === 'math' ? [...(model.expression ?? '').matchAll(/\$(\w+)/g)].map((m) => m[1] ?? '') : [model.expression ?? ''];
      if (!['reduce', 'threshold', 'math', 'resample', 'classic_conditions'].includes(model.type ?? '')) out.push({ check: 'alert-data', where, message: `${refId}: unknown expression type ${model.type ?? '(none)'}` });
      for (const input of inputs) if (!seen.includes(input)) out.push({ check: 'alert-data', where, message: `${refId} reads ${input}, which no earlier query defines` });
    } else if (ctx.datasources.get(q.datasourceUid ?? '') === 'prometheus') {
      const expr = model.expr ?? '';
      if (expr === '' || expr.includes('$')) out.push({ check: 'alert-data', where, message: `${refId}: needs a PromQL expr without $ (alert rules have no dashboard variables)` });
      for (const name of seriesNamesIn(expr)) if (!ctx.series.has(name)) out.push({ check: 'metric', where, message: `${name} is not a series any Cairn service exposes` });
      if ((q.relativeTimeRange?.from ?? 0) <= 0) out.push({ check: 'alert-data', where, message: `${refId}: relativeTimeRange.from must be positive` });
    } else {
      out.push({ check: 'alert-data', where, message: `${refId}: datasource ${q.datasourceUid ?? '?'} is not provisioned` });
    }
    seen.push(refId);
  }
  if (!seen.includes(rule.condition ?? '')) out.push({ check: 'alert-data', where, message: `condition "${rule.condition ?? ''}" is not one of the refIds` });
}

export function checkAlertRules(p: Provisioning, ctx: AlertCheckContext): Problem[] {
  const out: Problem[] = [];
  if (p.alerting.apiVersion !== 1) out.push({ check: 'alert', where: 'provisioning/alerting', message: 'apiVersion must be 1' });
  for (const g of p.alerting.groups ?? []) {
    if ((g.folder ?? '') === '' || (g.name ?? '') === '' || !/^\d+[smh]$/.test(g.interval ?? '')) out.push({ check: 'alert', where: `group ${g.name ?? '?'}`, message: 'a group needs a folder, a name and an interval like 1m' });
  }
  const rules = alertRules(p);
  const headings = [...ctx.runbook.matchAll(/^## (.+)$/gm)].map((m) => (m[1] ?? '').trim());
  const uids = new Set<string>();
  for (const rule of rules) {
    const title = rule.title ?? '';
    const where = `alert ${title || '?'}`;
    const uid = rule.uid ?? '';
    if (!/^[a-z0-9-]{1,40}$/.test(uid) || uids.has(uid)) out.push({ check: 'alert', where, message: `uid "${uid}" must be unique, lower-case, at most 40 characters` });
    uids.add(uid);
    const plain = [title, uid, rule.for ?? '', rule.condition ?? '', ...Object.values(rule.labels ?? {})];
    if (plain.some((s) => s.includes('$'))) out.push({ check: 'alert', where, message: 'Grafana replaces $NAME in titles and labels with environment variables: keep $ out of them' });
    try {
      parseDuration(rule.for ?? '');
    } catch {
      out.push({ check: 'alert', where, message: `for "${rule.for ?? ''}" is not a duration` });
    }
    if (!['critical', 'warning'].includes(rule.labels?.['severity'] ?? '')) out.push({ check: 'alert', where, message: 'labels.severity must be critical or warning' });
    if (!['OK', 'NoData', 'Alerting'].includes(rule.noDataState ?? '') || !['OK', 'Error', 'Alerting'].includes(rule.execErrState ?? '')) out.push({ check: 'alert', where, message: 'noDataState / execErrState are not Grafana states' });
    const a = rule.annotations ?? {};
    if ((a['summary'] ?? '') === '' || (a['description'] ?? '') === '') out.push({ check: 'alert', where, message: 'annotations need a summary and a description' });
    if (a['runbook_url'] !== `docs/runbook.md#${anchorOf(title)}` || !headings.includes(title)) out.push({ check: 'runbook', where, message: `runbook_url must be docs/runbook.md#${anchorOf(title)}, a "## ${title}" section of docs/runbook.md` });
    checkRuleData(rule, where, ctx, out);
  }
  const titles = new Set(rules.map((r) => r.title));
  for (const h of headings) if (h.startsWith('Cairn') && !titles.has(h)) out.push({ check: 'runbook', where: `runbook ${h}`, message: 'a runbook section without an alert rule' });
  return out;
}
