// The Node agent's settings, from the standard OTEL_* variables (plus CAIRN_API_KEY as a shorthand
// for the Authorization header). The agent runs inside someone else's application, so a bad value
// never throws: it is reported as a warning naming the variable, and the default is used instead.

export interface AgentConfig {
  /** false when OTEL_SDK_DISABLED=true: the agent does nothing. */
  readonly enabled: boolean;
  readonly serviceName: string;
  /** OTLP/HTTP base URL; signals go to <endpoint>/v1/traces, /v1/metrics and /v1/logs. */
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly exportTimeoutMs: number;
  readonly metricIntervalMs: number;
  /** How long shutdown may take to flush what is buffered before the process goes on exiting. */
  readonly shutdownTimeoutMs: number;
}

export interface AgentConfigResult {
  readonly config: AgentConfig;
  /** One line per ignored setting: the variable, what was wrong, what is used instead. */
  readonly warnings: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_ENDPOINT = 'http://localhost:4318';

function positiveInt(env: Env, name: string, fallback: number, warnings: string[]): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (Number.isInteger(n) && n > 0) return n;
  warnings.push(`${name}="${raw}" is not a positive whole number of milliseconds; using ${fallback}`);
  return fallback;
}

function endpoint(env: Env, warnings: string[]): string {
  const raw = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  if (raw === undefined || raw === '') return DEFAULT_ENDPOINT;
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return raw.replace(/\/+$/, '');
  } catch {
    // Not a URL at all: reported below like a URL of the wrong scheme.
  }
  warnings.push(`OTEL_EXPORTER_OTLP_ENDPOINT="${raw}" is not an http(s) URL; using ${DEFAULT_ENDPOINT}`);
  return DEFAULT_ENDPOINT;
}

/** `key=value` pairs separated by commas, values URL-encoded (the OTLP exporter specification). */
function headers(env: Env, warnings: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = env['OTEL_EXPORTER_OTLP_HEADERS'] ?? '';
  for (const pair of raw.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    if (key === '') {
      warnings.push(`OTEL_EXPORTER_OTLP_HEADERS has an entry without "key=value" ("${pair.trim()}"); ignoring it`);
      continue;
    }
    try {
      out[key] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      warnings.push(`OTEL_EXPORTER_OTLP_HEADERS value of "${key}" is not valid URL encoding; ignoring it`);
    }
  }
  const apiKey = env['CAIRN_API_KEY']?.trim();
  if (apiKey !== undefined && apiKey !== '') {
    if (Object.keys(out).some((k) => k.toLowerCase() === 'authorization')) {
      warnings.push('CAIRN_API_KEY and an Authorization header in OTEL_EXPORTER_OTLP_HEADERS are both set; using the header');
    } else {
      out['Authorization'] = `Bearer ${apiKey}`;
    }
  }
  return out;
}

function serviceName(env: Env, argv1: string | undefined): string {
  const explicit = env['OTEL_SERVICE_NAME']?.trim();
  if (explicit !== undefined && explicit !== '') return explicit;
  // The specification's default, made a little more useful with the script's name.
  const script = argv1?.split(/[\\/]/).pop()?.replace(/\.[cm]?[jt]s$/, '');
  return script === undefined || script === '' ? 'unknown_service:node' : `unknown_service:${script}`;
}

export function readAgentConfig(env: Env, argv1?: string): AgentConfigResult {
  const warnings: string[] = [];
  const disabled = env['OTEL_SDK_DISABLED']?.trim().toLowerCase();
  if (disabled !== undefined && disabled !== '' && disabled !== 'true' && disabled !== 'false') {
    warnings.push(`OTEL_SDK_DISABLED="${env['OTEL_SDK_DISABLED'] ?? ''}" is neither true nor false; the agent stays enabled`);
  }
  const config: AgentConfig = {
    enabled: disabled !== 'true',
    serviceName: serviceName(env, argv1),
    endpoint: endpoint(env, warnings),
    headers: headers(env, warnings),
    exportTimeoutMs: positiveInt(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, warnings),
    metricIntervalMs: positiveInt(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000, warnings),
    shutdownTimeoutMs: positiveInt(env, 'CAIRN_AGENT_SHUTDOWN_TIMEOUT_MS', 5_000, warnings),
  };
  return { config, warnings };
}
