// The `stats` object of the metrics, RED, service-graph and correlation answers: what
// StorageWork.stats() returns, as those routes serialise it and the OpenAPI document shows it.
import { Type } from '@sinclair/typebox';

export const QueryStatsSchema = Type.Object(
  {
    rowsRead: Type.Integer({ description: 'Rows ClickHouse read, summed over the request\'s queries' }),
    bytesRead: Type.Integer({ description: 'Bytes ClickHouse read, summed over the request\'s queries' }),
    elapsedMs: Type.Integer({ description: 'Wall time of the request\'s storage work in milliseconds' }),
  },
  { description: 'What answering cost' },
);
