// Connection settings of the running local stack, read from what `cairn stack up` wrote, and
// names unique to one test so tests never share a database, topic or consumer group.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { ENDPOINTS_FILE } from '../../../deploy/local/paths.ts';
import type { StackEndpoints } from '../../../deploy/local/stack.ts';

export function stackEndpoints(): StackEndpoints {
  if (!existsSync(ENDPOINTS_FILE)) {
    throw new Error(`${ENDPOINTS_FILE} not found: run \`npm run stack:up\` first (npm test does it for you)`);
  }
  return JSON.parse(readFileSync(ENDPOINTS_FILE, 'utf8')) as StackEndpoints;
}

/** A short unique suffix: lower-case letters and digits, valid in database and topic names. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Environment for Cairn services pointed at the stack, isolated to one database and topic set. */
export function isolatedEnv(name: string, extra: Record<string, string> = {}): Record<string, string> {
  const e = stackEndpoints();
  return {
    CAIRN_KAFKA_BROKERS: e.kafkaBrokers.join(','),
    CAIRN_CLICKHOUSE_URL: e.clickhouseHttp[0] ?? '',
    CAIRN_CLICKHOUSE_CLUSTER: e.clickhouseCluster,
    CAIRN_CLICKHOUSE_DATABASE: name,
    CAIRN_KAFKA_TOPIC_PREFIX: `${name}.`,
    CAIRN_INGEST_GROUP_PREFIX: `${name}-ingest`,
    CAIRN_LISTEN_HOST: '127.0.0.1',
    // API keys are tested on their own; the other tests send as the single configured tenant.
    CAIRN_AUTH: 'none',
    CAIRN_LOG_LEVEL: process.env['CAIRN_TEST_LOG_LEVEL'] ?? 'warn',
    ...extra,
  };
}
