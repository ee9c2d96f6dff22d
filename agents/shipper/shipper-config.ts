// `cairn shipper` settings, from the environment. The shipper is Cairn's own process, so unlike
// the in-app agent a bad setting stops it at start-up, with the variable named.
import { dirname, resolve } from 'node:path';
import { ConfigError, int, list, oneOf, port, str, url } from '../../common/runtime/env.ts';
import type { Env } from '../../common/runtime/env.ts';
import { WILDCARD } from './file-set.ts';
import type { LineFormat } from './line-parser.ts';

export interface ScrapeTarget {
  /** `service.name` of the scraped metrics (the Prometheus job). */
  readonly job: string;
  readonly url: string;
}

export interface ShipperConfig {
  /** Paths or basename patterns (`*`, `?`) of the files to follow. */
  readonly files: readonly string[];
  readonly format: LineFormat;
  readonly targets: readonly ScrapeTarget[];
  readonly scrapeIntervalMs: number;
  /** Scrapes kept in memory while the collector is unreachable; the oldest go first. */
  readonly scrapeBuffer: number;
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly serviceName: string;
  readonly stateFile: string;
  readonly batchLines: number;
  readonly pollMs: number;
  /** How long a rotated file must stay unchanged before it is closed (a writer may still hold it). */
  readonly rotateWaitMs: number;
  readonly requestTimeoutMs: number;
  readonly maxRetryDelayMs: number;
  readonly host: string;
  /** /healthz, /readyz, /metrics; 0 picks a free port. */
  readonly httpPort: number;
  readonly logLevel: string;
}

const GROUP_NAMES = ['time', 'level', 'message'];

function format(env: Env): LineFormat {
  const kind = oneOf(env, 'CAIRN_SHIPPER_FORMAT', 'json', ['json', 'text'] as const);
  if (kind === 'json') return { kind };
  const source = str(env, 'CAIRN_SHIPPER_TEXT_PATTERN', '^(?<message>.*)$');
  let pattern: RegExp;
  try {
    pattern = new RegExp(source);
  } catch (err) {
    throw new ConfigError(`CAIRN_SHIPPER_TEXT_PATTERN is not a valid regular expression: ${(err as Error).message}`);
  }
  const groups = [...source.matchAll(/\(\?<([A-Za-z_]\w*)>/g)].map((m) => m[1] ?? '');
  const unknown = groups.filter((g) => !GROUP_NAMES.includes(g));
  if (unknown.length > 0) throw new ConfigError(`CAIRN_SHIPPER_TEXT_PATTERN has named groups ${unknown.join(', ')}; only time, level and message are used`);
  return { kind, pattern };
}

/** `job=url` or a bare url (job `scrape`); every url must be http(s). */
function targets(env: Env): ScrapeTarget[] {
  return list(env, 'CAIRN_SHIPPER_SCRAPE_TARGETS', []).map((item) => {
    const named = /^([A-Za-z_][\w.-]*)=(.+)$/.exec(item);
    const job = named?.[1] ?? 'scrape';
    const target = named?.[2] ?? item;
    return { job, url: url({ CAIRN_SHIPPER_SCRAPE_TARGETS: target }, 'CAIRN_SHIPPER_SCRAPE_TARGETS', target) };
  });
}

export function readShipperConfig(env: Env): ShipperConfig {
  const files = list(env, 'CAIRN_SHIPPER_FILES', []).map((f) => resolve(f));
  const badPattern = files.find((f) => WILDCARD.test(dirname(f)));
  if (badPattern !== undefined) throw new ConfigError(`CAIRN_SHIPPER_FILES: in ${badPattern} only the file name may hold * or ?`);
  const scrape = targets(env);
  if (files.length === 0 && scrape.length === 0) {
    throw new ConfigError('nothing to ship: set CAIRN_SHIPPER_FILES (log files to follow) and/or CAIRN_SHIPPER_SCRAPE_TARGETS (/metrics URLs), comma-separated');
  }
  const apiKey = str(env, 'CAIRN_API_KEY', '');
  return {
    files,
    format: format(env),
    targets: scrape,
    scrapeIntervalMs: int(env, 'CAIRN_SHIPPER_SCRAPE_INTERVAL_MS', 15_000, 100, 3_600_000),
    scrapeBuffer: int(env, 'CAIRN_SHIPPER_SCRAPE_BUFFER', 240, 1, 100_000),
    endpoint: url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', 'http://127.0.0.1:4318').replace(/\/+$/, ''),
    headers: apiKey === '' ? {} : { authorization: `Bearer ${apiKey}` },
    serviceName: str(env, 'OTEL_SERVICE_NAME', 'cairn-shipper'),
    stateFile: resolve(str(env, 'CAIRN_SHIPPER_STATE', '.cairn/shipper/offsets.json')),
    batchLines: int(env, 'CAIRN_SHIPPER_BATCH_LINES', 1000, 1, 100_000),
    pollMs: int(env, 'CAIRN_SHIPPER_POLL_MS', 250, 10, 60_000),
    rotateWaitMs: int(env, 'CAIRN_SHIPPER_ROTATE_WAIT_MS', 5000, 0, 600_000),
    requestTimeoutMs: int(env, 'CAIRN_SHIPPER_REQUEST_TIMEOUT_MS', 10_000, 100, 300_000),
    maxRetryDelayMs: int(env, 'CAIRN_SHIPPER_MAX_RETRY_DELAY_MS', 30_000, 100, 600_000),
    host: str(env, 'CAIRN_LISTEN_HOST', '0.0.0.0'),
    httpPort: port(env, 'CAIRN_SHIPPER_HTTP_PORT', 8320),
    logLevel: str(env, 'CAIRN_LOG_LEVEL', 'info'),
  };
}
