// Picks how this query service takes part in leader election, from its configuration: ZooKeeper
// for replicas, self-election for the embedded mode.
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/runtime/logger.ts';
import type { QueryConfig } from '../config.ts';
import { createLeaderMetrics } from './leader-metrics.ts';
import type { Leadership } from './leadership.ts';
import { DEFAULT_PROBE } from './predecessor-probe.ts';
import { StandaloneLeadership } from './standalone-leadership.ts';
import { ZkLeadership } from './zk-leadership.ts';

export function createLeadership(config: QueryConfig, registry: Registry, logger: Logger): Leadership {
  const metrics = createLeaderMetrics(registry);
  const c = config.coordination;
  if (c.kind === 'standalone') return new StandaloneLeadership(config.memberId, logger.child({ component: 'election' }), metrics);
  return new ZkLeadership({
    connect: c.connect,
    root: c.root,
    group: config.clickhouse.target.database.name,
    sessionTimeoutMs: c.sessionTimeoutMs,
    memberId: config.memberId,
    url: config.memberUrl,
    logger,
    metrics,
    probe: DEFAULT_PROBE,
  });
}
