// Kafka triggers: consumers per enabled trigger on every node, each message stored once.
export { type KafkaConsumers, startKafkaConsumers } from './consumers.js';
export { purgeKafkaMessageRecords, startKafkaRecordPurge } from './duplicate-tracking.js';
export type { KafkaTriggerState } from './pipeline.js';
