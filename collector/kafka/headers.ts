// Kafka record headers Cairn writes. The format header versions the value encoding so a future
// row layout can coexist with records still in the topic.
export const FORMAT_HEADER = 'cairn-format';
export const DLQ_REASON_HEADER = 'cairn-dlq-reason';
export const DLQ_SOURCE_HEADER = 'cairn-dlq-source';
