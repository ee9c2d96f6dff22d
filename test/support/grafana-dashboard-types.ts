// The dashboard model Cairn's dashboards are checked against: @grafana/schema's Dashboard, with
// each panel type's options and field config (the panel plug-ins' own schema types) and the query
// model of the two provisioned datasources. grafana-typecheck.ts writes every dashboard JSON as an
// object literal of JsonOf<CairnDashboard> and runs tsc on it, so a misspelt key, a wrong enum
// value or a missing required option is a compile error.
import type { Dashboard, FieldConfigSource, Panel, RowPanel, TableOptions } from '@grafana/schema';
import type { Options as LogsOptions } from '@grafana/schema/dist/esm/raw/composable/logs/panelcfg/x/LogsPanelCfg_types.gen';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type { FieldConfig as TableFieldConfig } from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type { FieldConfig as TimeSeriesFieldConfig, Options as TimeSeriesOptions } from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

/**
 * A type as JSON spells it. String enums (LegendDisplayMode and the like) are nominal in
 * TypeScript, so the literal "list" is not assignable to them; `${E}` is the union of their values.
 * Numeric enums accept their member values as number literals already.
 */
export type JsonOf<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<JsonOf<U>>
      : T extends object
        ? { [K in keyof T]: JsonOf<T[K]> }
        : T;

/** A raw-SQL query of the official ClickHouse plugin (grafana-clickhouse-datasource, src/types/sql.ts). */
export interface ClickHouseTarget {
  refId: string;
  datasource: { type: 'grafana-clickhouse-datasource'; uid: 'cairn-clickhouse' };
  editorType: 'sql';
  rawSql: string;
  /** sqlutil.FormatQueryOption: 0 time series, 1 table, 2 logs. */
  format: 0 | 1 | 2;
  queryType?: 'table' | 'timeseries' | 'logs' | 'traces';
  pluginVersion?: string;
  hide?: boolean;
}

/** A query of Grafana's Prometheus datasource. */
export interface PrometheusTarget {
  refId: string;
  datasource: { type: 'prometheus'; uid: 'cairn-prometheus' };
  expr: string;
  editorMode?: 'code' | 'builder';
  legendFormat?: string;
  range?: boolean;
  instant?: boolean;
  format?: 'time_series' | 'table' | 'heatmap';
  interval?: string;
  exemplar?: boolean;
  hide?: boolean;
}

export type CairnTarget = ClickHouseTarget | PrometheusTarget;

type PanelBase<TCustom> = Omit<Panel<Record<string, unknown>, TCustom>, 'type' | 'options' | 'targets' | 'fieldConfig' | 'datasource' | 'id' | 'gridPos'> & {
  id: number;
  gridPos: NonNullable<Panel['gridPos']>;
  datasource: CairnTarget['datasource'];
  targets: CairnTarget[];
  fieldConfig: FieldConfigSource<TCustom>;
};

export type CairnPanel =
  | (PanelBase<TimeSeriesFieldConfig> & { type: 'timeseries'; options: TimeSeriesOptions })
  | (PanelBase<Record<string, unknown>> & { type: 'stat'; options: StatOptions })
  | (PanelBase<TableFieldConfig> & { type: 'table'; options: TableOptions })
  | (PanelBase<Record<string, unknown>> & { type: 'logs'; options: LogsOptions });

export type CairnRow = Omit<RowPanel, 'panels' | 'id' | 'gridPos'> & { id: number; gridPos: NonNullable<RowPanel['gridPos']>; panels: CairnPanel[] };

export type CairnDashboard = Omit<Dashboard, 'panels' | 'uid' | 'title'> & {
  uid: string;
  title: string;
  panels: Array<CairnPanel | CairnRow>;
};
