// Runs one query replica: config, listen, graceful shutdown.
import { ConfigError } from '../common/runtime/env.ts';
import type { Env } from '../common/runtime/env.ts';
import { createLogger } from '../common/runtime/logger.ts';
import { runUntilSignalled } from '../common/runtime/serve.ts';
import { buildQueryApp } from './app.ts';
import { readQueryConfig } from './config.ts';

export async function runQuery(env: Env): Promise<void> {
  let config;
  try {
    config = readQueryConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`query configuration: ${err.message}`);
    throw err;
  }
  const logger = createLogger(config.logLevel, 'query');
  const { app } = buildQueryApp(config, logger);
  await runUntilSignalled([{ app, host: config.host, port: config.port }], logger);
}
