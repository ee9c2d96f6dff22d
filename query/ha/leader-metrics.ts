// The leadership gauges. Summed over replicas, cairn_query_leader should be 1; more means two
// replicas think they lead (the fence still stops the stale one), 0 for long means no leader jobs.
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export interface LeaderMetrics {
  /** The epoch of the term this replica now leads, or null when it does not lead. */
  setLeading(epoch: number | null): void;
}

export function createLeaderMetrics(registry: Registry): LeaderMetrics {
  const leader = new Gauge({ name: 'cairn_query_leader', help: '1 while this replica leads and runs the leader-only jobs, else 0', registers: [registry] });
  const epoch = new Gauge({ name: 'cairn_query_epoch', help: "Epoch of this replica's current leadership term; 0 when it does not lead", registers: [registry] });
  leader.set(0);
  epoch.set(0);
  return {
    setLeading(e) {
      leader.set(e === null ? 0 : 1);
      epoch.set(e ?? 0);
    },
  };
}
