// Runs the collector: reads config, listens, and on SIGTERM/SIGINT drains and closes (the
// receiver stops accepting, the ingester finishes and commits its batch, clients close).
import { ConfigError } from '../common/runtime/env.ts';
import type { Env } from '../common/runtime/env.ts';
import { createLogger } from '../common/runtime/logger.ts';
import { runUntilSignalled } from '../common/runtime/serve.ts';
import { buildCollectorApp } from './app.ts';
import { readCollectorConfig } from './config.ts';
import type { CollectorRole } from './config.ts';

export async function runCollector(role: CollectorRole, env: Env): Promise<void> {
  let config;
  try {
    config = readCollectorConfig(env, role);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`collector configuration: ${err.message}`);
    throw err;
  }
  const logger = createLogger(config.logLevel, `collector-${role}`);
  const { app, port, grpc } = await buildCollectorApp(config, logger);
  if (grpc !== undefined) {
    try {
      const grpcPort = await grpc.listen(config.host, config.otlpGrpcPort);
      logger.info({ host: config.host, port: grpcPort }, 'listening (OTLP/gRPC)');
    } catch (err) {
      await app.close();
      throw new Error(`cannot listen for OTLP/gRPC on ${config.host}:${config.otlpGrpcPort} (CAIRN_OTLP_GRPC_PORT)`, { cause: err });
    }
  }
  await runUntilSignalled([{ app, host: config.host, port }], logger);
}
