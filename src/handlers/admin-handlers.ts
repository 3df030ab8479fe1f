// The admin APIs (topics, partitions, configs, cluster, records) for the registry in ./index.ts.
import type { AnyHandler } from './index.js';
import { alterConfigsHandler } from './alter-configs.js';
import { createPartitionsHandler } from './create-partitions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeConfigsHandler } from './describe-configs.js';
import { describeTopicPartitionsHandler } from './describe-topic-partitions.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';

/** Each handler keeps its own types; as AnyHandler (ApiHandler<never, unknown>) the registry only routes. */
export const adminHandlers: readonly AnyHandler[] = [
  createTopicsHandler,
  deleteTopicsHandler,
  deleteRecordsHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  createPartitionsHandler,
  incrementalAlterConfigsHandler,
  describeClusterHandler,
  describeTopicPartitionsHandler,
];
