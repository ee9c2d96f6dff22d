// Configuration of `cairn start`, the single-process embedded mode: the only place it reads the
// environment. Receiver limits and query settings are read by the services' own readers.
import { resolve } from 'node:path';
import { readCollectorConfig, receiverAuth } from '../../collector/config.ts';
import { readQueryConfig } from '../../query/config.ts';
import type { QueryConfig } from '../../query/config.ts';
import type { ApiAuth } from '../../common/auth/api-keys.ts';
import type { SeriesLimiterOptions } from '../../collector/signals/series-limiter.ts';
import { str } from '../runtime/env.ts';
import type { Env } from '../runtime/env.ts';

export interface EmbeddedConfig {
  readonly dataDir: string;
  readonly host: string;
  readonly otlpHttpPort: number;
  readonly otlpGrpcPort: number;
  readonly maxRequestBytes: number;
  readonly maxInflightBytes: number;
  readonly maxDataPointsPerRequest: number;
  readonly series: SeriesLimiterOptions;
  readonly auth: ApiAuth;
  readonly query: QueryConfig;
}

export function readEmbeddedConfig(env: Env): EmbeddedConfig {
  const dataDir = resolve(str(env, 'CAIRN_DATA_DIR', '.cairn/data'));
  // One machine, one user by default: listen on loopback unless told otherwise.
  // `none` is the embedded default: one user on one machine; API keys can still be turned on.
  const local = { CAIRN_LISTEN_HOST: '127.0.0.1', CAIRN_AUTH: 'none', ...env };
  const collector = readCollectorConfig(local, 'receiver');
  return {
    dataDir,
    host: collector.host,
    otlpHttpPort: collector.otlpHttpPort,
    otlpGrpcPort: collector.otlpGrpcPort,
    maxRequestBytes: collector.maxRequestBytes,
    maxInflightBytes: collector.maxInflightBytes,
    maxDataPointsPerRequest: collector.maxDataPointsPerRequest,
    series: collector.series,
    auth: receiverAuth(collector),
    query: readQueryConfig(local, dataDir),
  };
}
