// GET /api/v1/cluster: the query replicas in the election, which one leads, the current epoch, and
// this replica's own role. Answered by any replica; when ZooKeeper cannot be reached it still
// answers at once, with the last membership it saw and `zookeeper.reachable: false`.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ClusterView, Leadership } from '../ha/leadership.ts';

const Role = Type.Union(['leader', 'follower', 'candidate', 'disconnected', 'stopped'].map((r) => Type.Literal(r)), {
  description: 'leader: runs the leader-only jobs; follower: waits its turn; candidate: deciding; disconnected: no ZooKeeper session now; stopped: shutting down',
});

export const ClusterResponseSchema = Type.Object({
  mode: Type.Union([Type.Literal('zookeeper'), Type.Literal('standalone')], { description: 'standalone: the embedded mode, which elects itself' }),
  self: Type.Object({
    id: Type.String({ description: 'This replica (CAIRN_MEMBER_ID)' }),
    role: Role,
    epoch: Type.Union([Type.Integer(), Type.Null()], { description: 'The epoch this replica leads in, null unless it leads' }),
  }),
  leader: Type.Union([Type.String(), Type.Null()], { description: 'The member that leads (first in election order), null if none or unknown' }),
  epoch: Type.Union([Type.Integer(), Type.Null()], { description: 'The latest epoch claimed; every leader-only side effect carries its epoch' }),
  epochHolder: Type.Union([Type.String(), Type.Null()], { description: 'Who claimed the latest epoch' }),
  members: Type.Array(
    Type.Object({
      id: Type.String(),
      since: Type.Union([Type.String(), Type.Null()], { description: 'When it joined (ISO 8601)' }),
      url: Type.Union([Type.String(), Type.Null()], { description: 'Its HTTP address, if it advertised one' }),
    }),
    { description: 'In election order: the first leads, each other one is next after the one before' },
  ),
  zookeeper: Type.Union([
    Type.Object({
      reachable: Type.Boolean({ description: 'false: the members, leader and epoch shown are the last ones seen' }),
      observedAt: Type.Union([Type.String(), Type.Null()], { description: 'When they were read' }),
    }),
    Type.Null(),
  ]),
});
export type ClusterResponse = Static<typeof ClusterResponseSchema>;

export function registerClusterRoutes(app: FastifyInstance, leadership: Leadership): void {
  app.get(
    '/api/v1/cluster',
    {
      schema: {
        tags: ['cluster'],
        summary: 'Query replicas, the leader and the epoch',
        description: 'Leader election state. Reads never depend on it: every replica answers every query; only leader-only jobs (migrations, retention, rollups) wait for a leader.',
        response: { 200: ClusterResponseSchema },
      },
    },
    (): Promise<ClusterView> => leadership.view(),
  );
}
