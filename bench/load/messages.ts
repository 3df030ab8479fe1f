/** Messages between the bench (parent) and its load-generator children (IPC, structured clone). */

export interface ProduceJob {
  kind: 'produce';
  host: string;
  port: number;
  topic: string;
  partitions: number;
  batchBytes: number;
  recordBytes: number;
  connections: number;
  inFlight: number;
  /** Upper bound of one request (Kafka's max.request.size): partitions per request = this / batch. */
  maxRequestBytes: number;
  warmupMs: number;
  durationMs: number;
  /** Offered load in bytes/s (open loop); null = as fast as acknowledgements allow (closed loop). */
  rateBytesPerSec: number | null;
  /** Stamp the send time into each batch (end-to-end latency). */
  stamp: boolean;
  /** Stop after this many bytes were sent (catch-up fill), instead of after warmup + duration. */
  stopAfterBytes: number | null;
}

export interface ProduceResult {
  kind: 'produce-result';
  /** Acknowledged in the measured window. */
  bytes: number;
  records: number;
  requests: number;
  windowMs: number;
  /** Produce latency (send → response) of requests sent in the measured window, ms. */
  latencies: Float64Array;
  errors: Record<string, number>;
  /** Sends that left more than 1 ms after their scheduled time (open loop only). */
  lateSends: number;
  /** CPU seconds this generator process used during the job. */
  cpuSeconds: number;
}

export interface ConsumeJob {
  kind: 'consume';
  host: string;
  port: number;
  topic: string;
  /** Partitions of each consumer connection. */
  assignments: number[][];
  /** 'latest' (tail what is produced from now on) or 'earliest' (catch up from offset 0). */
  from: 'latest' | 'earliest';
  /** Catch-up: stop when every partition reaches these offsets (by partition index). */
  until: bigint[] | null;
  /** Catch-up: read from the start to `until` this many times over, on the same connections. */
  passes: number;
  stampAt: number;
  maxWaitMs: number;
  partitionMaxBytes: number;
  maxBytes: number;
}

/** Parent → tailing consumer: stop once these offsets (by partition) are consumed. */
export interface FinishMessage {
  kind: 'finish';
  endOffsets: bigint[];
  timeoutMs: number;
}

export interface ConsumeResult {
  kind: 'consume-result';
  bytes: number;
  records: number;
  fetches: number;
  /** From the first fetch to the last partition reaching its end offset (or to finish). */
  durationMs: number;
  /** Catch-up: ms from the first fetch until every partition had finished its first pass. */
  firstPassMs: number | null;
  /** End-to-end latency (stamped send time → fetched), ms, one sample per stamped batch. */
  e2e: Float64Array;
  reachedEnd: boolean;
  errors: Record<string, number>;
  cpuSeconds: number;
}

export interface ReadyMessage {
  kind: 'ready';
}

export interface ProgressMessage {
  kind: 'progress';
  role: 'producer' | 'consumer';
  bytes: number;
  records: number;
}

export interface FailedMessage {
  kind: 'failed';
  error: string;
}

export type ToChild = ProduceJob | ConsumeJob | FinishMessage | { kind: 'exit' };
export type FromChild = ProduceResult | ConsumeResult | ReadyMessage | ProgressMessage | FailedMessage;
