// Reads what dashboards/ holds (the dashboard JSON files and the provisioning YAML) and lists the
// queries in it, for the schema checks and for the tests that run every query against real stores.
// The shapes below are loose on purpose: grafana-typecheck.ts proves the strict ones.
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../deploy/local/paths.ts';

export const DASHBOARDS_DIR = join(REPO_ROOT, 'dashboards');
export const PROVISIONING_DIR = join(DASHBOARDS_DIR, 'provisioning');
export const RUNBOOK = join(REPO_ROOT, 'docs', 'runbook.md');

export interface DatasourceRef {
  type?: string;
  uid?: string;
}

export interface TargetJson {
  refId?: string;
  datasource?: DatasourceRef;
  rawSql?: string;
  expr?: string;
  format?: number | string;
  editorType?: string;
  interval?: string;
  hide?: boolean;
}

export interface PanelJson {
  id?: number;
  type: string;
  title?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: DatasourceRef;
  targets?: TargetJson[];
  panels?: PanelJson[];
  interval?: string;
  maxDataPoints?: number;
}

export interface VariableJson {
  name: string;
  type: string;
  query?: unknown;
  datasource?: DatasourceRef | null;
  current?: { value?: string | string[] };
  options?: Array<{ value: string | string[] }>;
  includeAll?: boolean;
  multi?: boolean;
  allValue?: string;
}

export interface DashboardJson {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  panels?: PanelJson[];
  templating?: { list?: VariableJson[] };
}

export interface DashboardFile {
  /** File name without .json. */
  readonly name: string;
  readonly path: string;
  readonly json: DashboardJson;
}

export function dashboardFiles(): string[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(DASHBOARDS_DIR, f));
}

export function loadDashboards(): DashboardFile[] {
  return dashboardFiles().map((path) => ({ name: basename(path, '.json'), path, json: JSON.parse(readFileSync(path, 'utf8')) as DashboardJson }));
}

/** Every panel, rows and the panels inside collapsed rows included. */
export function allPanels(d: DashboardJson): PanelJson[] {
  return (d.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
}

export const variablesOf = (d: DashboardJson): VariableJson[] => d.templating?.list ?? [];

export interface PanelTarget {
  readonly panel: PanelJson;
  readonly target: TargetJson;
  /** "Dashboard title / panel title / refId", for messages. */
  readonly where: string;
}

export function panelTargets(d: DashboardJson): PanelTarget[] {
  return allPanels(d).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel, target, where: `${d.title ?? d.uid ?? '?'} / ${panel.title ?? panel.id ?? '?'} / ${target.refId ?? '?'}` })),
  );
}

export const CLICKHOUSE_UID = 'cairn-clickhouse';
export const PROMETHEUS_UID = 'cairn-prometheus';

export const isClickHouse = (t: TargetJson): boolean => t.datasource?.uid === CLICKHOUSE_UID;
export const isPrometheus = (t: TargetJson): boolean => t.datasource?.uid === PROMETHEUS_UID;

// ---- provisioning files ----

export interface ProvisionedDatasource {
  name?: string;
  uid?: string;
  type?: string;
  url?: string;
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, unknown>;
}

export interface DashboardProvider {
  name?: string;
  type?: string;
  folder?: string;
  options?: { path?: string };
}

export interface AlertQuery {
  refId?: string;
  datasourceUid?: string;
  relativeTimeRange?: { from?: number; to?: number };
  model?: { refId?: string; expr?: string; type?: string; expression?: string; datasource?: DatasourceRef; [key: string]: unknown };
}

export interface AlertRule {
  uid?: string;
  title?: string;
  condition?: string;
  data?: AlertQuery[];
  for?: string;
  noDataState?: string;
  execErrState?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface AlertGroup {
  orgId?: number;
  name?: string;
  folder?: string;
  interval?: string;
  rules?: AlertRule[];
}

export interface Provisioning {
  readonly datasources: { apiVersion?: number; datasources?: ProvisionedDatasource[] };
  readonly dashboards: { apiVersion?: number; providers?: DashboardProvider[] };
  readonly alerting: { apiVersion?: number; groups?: AlertGroup[] };
}

/** The YAML documents of one provisioning folder; their shape is what the checks verify. */
function yamlIn<T>(dir: string): T[] {
  const path = join(PROVISIONING_DIR, dir);
  return readdirSync(path)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => parse(readFileSync(join(path, f), 'utf8')) as T);
}

/** Each provisioning folder holds one file (cairn.yaml, cairn-alerts.yaml); more would be merged by Grafana. */
export function loadProvisioning(): Provisioning {
  const [datasources, ...moreDs] = yamlIn<Provisioning['datasources']>('datasources');
  const [dashboards, ...moreDash] = yamlIn<Provisioning['dashboards']>('dashboards');
  const [alerting, ...moreAlerts] = yamlIn<Provisioning['alerting']>('alerting');
  if (moreDs.length + moreDash.length + moreAlerts.length > 0) throw new Error('expected one YAML file per provisioning folder');
  return { datasources: datasources ?? {}, dashboards: dashboards ?? {}, alerting: alerting ?? {} };
}

export const alertRules = (p: Provisioning): AlertRule[] => (p.alerting.groups ?? []).flatMap((g) => g.rules ?? []);

export interface AlertExpression {
  readonly rule: string;
  readonly refId: string;
  readonly expr: string;
}

/** The PromQL of every alert rule's Prometheus queries. */
export function alertExpressions(p: Provisioning): AlertExpression[] {
  return alertRules(p).flatMap((r) =>
    (r.data ?? [])
      .filter((q) => q.datasourceUid === PROMETHEUS_UID)
      .map((q) => ({ rule: r.title ?? r.uid ?? '?', refId: q.refId ?? '?', expr: q.model?.expr ?? '' })),
  );
}
