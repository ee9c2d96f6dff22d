// `cairn shipper`: runs the shipper with its /healthz, /readyz and /metrics until SIGTERM/SIGINT,
// then stops after the batches in flight, so the saved positions are final and the next start
// neither repeats nor skips a line.
import { ConfigError } from '../../common/runtime/env.ts';
import type { Env } from '../../common/runtime/env.ts';
import { createHttpApp } from '../../common/runtime/http-app.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { createRegistry } from '../../common/runtime/metrics.ts';
import { registerOpsRoutes } from '../../common/runtime/ops-routes.ts';
import { runUntilSignalled } from '../../common/runtime/serve.ts';
import { Shipper } from './shipper.ts';
import { readShipperConfig } from './shipper-config.ts';
import type { ShipperConfig } from './shipper-config.ts';

const PROGRESS_EVERY_MS = 30_000;
/** The ops server takes no request bodies. */
const BODY_LIMIT = 1024;

export async function runShipper(env: Env): Promise<void> {
  let config: ShipperConfig;
  try {
    config = readShipperConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`shipper configuration: ${err.message}`);
    throw err;
  }
  const logger = createLogger(config.logLevel, 'shipper');
  const registry = createRegistry('shipper');
  const shipper = new Shipper(config, logger, registry);
  const ops = createHttpApp(logger, BODY_LIMIT);
  registerOpsRoutes(ops, registry, () => [{ name: 'collector', check: () => shipper.collectorStatus() }]);
  logger.info({ files: config.files, targets: config.targets.map((t) => t.url), endpoint: config.endpoint, state: config.stateFile }, 'shipping');
  const progress = setInterval(() => {
    logger.info({ shippedLines: shipper.shippedLines, shippedScrapes: shipper.shippedScrapes }, 'progress');
  }, PROGRESS_EVERY_MS);
  progress.unref();
  const running = shipper.run();
  running.catch((err: unknown) => {
    // Only a local fault gets here (the state file cannot be written): stop, so a supervisor
    // restarts the shipper from the last saved positions rather than it running without saving.
    logger.fatal({ err }, 'the shipper failed');
    process.exit(1);
  });
  try {
    // The ops server closes last: what is in flight is delivered (or its position left unsaved) first.
    await runUntilSignalled([{ app: ops, host: config.host, port: config.httpPort }], logger, {
      before: () => shipper.close(),
    });
  } catch (err) {
    await shipper.close();
    throw new Error(`cannot serve /healthz, /readyz and /metrics on ${config.host}:${config.httpPort} (CAIRN_LISTEN_HOST, CAIRN_SHIPPER_HTTP_PORT; 0 picks a free port)`, { cause: err });
  }
  await running;
  clearInterval(progress);
  logger.info({ shippedLines: shipper.shippedLines, shippedScrapes: shipper.shippedScrapes }, 'stopped; positions saved');
}
