// The kafkajs client: timeouts and jittered, bounded retries from config; kafkajs' own logs go
// to pino so they come out as JSON with everything else.
import { Kafka, logLevel } from 'kafkajs';
import type { LogEntry } from 'kafkajs';
import type { Logger } from '../../common/runtime/logger.ts';
import type { KafkaConfig } from '../config.ts';

export function createKafka(cfg: KafkaConfig, logger: Logger): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: cfg.clientId,
    brokers: [...cfg.brokers],
    connectionTimeout: 3000,
    requestTimeout: cfg.requestTimeoutMs,
    // kafkajs' backoff is exponential with +/-20% jitter; bounded here to ~5 attempts within seconds.
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000, factor: 0.2, multiplier: 2 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry): void => {
        const { message, ...rest } = entry;
        if (level <= logLevel.ERROR) log.error(rest, message);
        else if (level === logLevel.WARN) log.warn(rest, message);
        else log.debug(rest, message);
      },
  });
}
