// Produce: v3–11.
// Version notes:
// * v3 is the first version that carries record batch v2 (and transactionalId); older versions
//   (legacy message sets) are not served, so clients negotiate v3+.
// * v7 allows zstd batches; v8 adds recordErrors/errorMessage (KIP-467); v9 is flexible;
//   v10 adds currentLeader/nodeEndpoints for NOT_LEADER errors (KIP-951); v11 may return
//   TRANSACTION_ABORTABLE (KIP-890), which we never do.
// * acks=0 gets no response at all; acks=1 and acks=-1 both wait until the batches are in the
//   object store AND in the metadata store (there are no replicas to wait for).
import type { ProduceRequest, ProduceResponse } from '../../protocol/generated/produce.js';
import type { Input } from '../../protocol/runtime/types.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import {
  RecordsError,
  readBatchHeader,
  splitBatches,
  verifyBatchCrc,
  type BatchHeader,
} from '../../protocol/records/index.js';
import type { ApiHandler, RequestContext } from './context.js';
import { AppendError } from '../log/log-writer.js';
import type { TopicState } from '../log/log-manager.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { Reservation } from '../producers/producer-state.js';

type PartitionResponse = Input<ProduceResponse['responses'][number]['partitionResponses'][number]>;

interface Rejection {
  errorCode: number;
  errorMessage: string;
}

function reject(errorCode: number, errorMessage: string): Rejection {
  return { errorCode, errorMessage };
}

/** Checks every batch of one partition's records; returns the batches and their headers, or why not. */
function validate(records: Buffer | null, topic: TopicState): { batches: Buffer[]; headers: BatchHeader[] } | Rejection {
  if (records === null || records.length === 0) return reject(ErrorCode.INVALID_RECORD, 'no record batches');
  let batches: Buffer[];
  try {
    batches = splitBatches(records).batches;
  } catch (err) {
    if (!(err instanceof RecordsError)) throw err;
    // RecordsError names the Kafka error Java brokers answer with (legacy magic → INVALID_RECORD, …).
    const code = ErrorCode[err.kafkaError as keyof typeof ErrorCode] ?? ErrorCode.CORRUPT_MESSAGE;
    return reject(code, err.message);
  }
  const headers: BatchHeader[] = [];
  for (const b of batches) {
    if (b.length > topic.config.maxMessageBytes) {
      return reject(ErrorCode.MESSAGE_TOO_LARGE, `batch of ${b.length} bytes exceeds max.message.bytes ${topic.config.maxMessageBytes}`);
    }
    if (!verifyBatchCrc(b)) return reject(ErrorCode.CORRUPT_MESSAGE, 'record batch CRC mismatch');
    const h = readBatchHeader(b, 0);
    if (h.isControl) return reject(ErrorCode.INVALID_RECORD, 'clients may not produce control batches');
    if (h.isTransactional) return reject(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'transactions are not supported');
    if (h.lastOffsetDelta < 0 || h.recordCount !== h.lastOffsetDelta + 1) {
      return reject(ErrorCode.INVALID_RECORD, 'record count does not match the last offset delta');
    }
    headers.push(h);
  }
  return { batches, headers };
}

function appendErrorCode(err: unknown): Rejection {
  if (err instanceof AppendError) {
    if (err.reason === 'fenced') return reject(ErrorCode.NOT_LEADER_OR_FOLLOWER, err.message);
    if (err.reason === 'unknown_partition') return reject(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, err.message);
    return reject(ErrorCode.KAFKA_STORAGE_ERROR, err.message);
  }
  return reject(ErrorCode.UNKNOWN_SERVER_ERROR, err instanceof Error ? err.message : String(err));
}

async function producePartition(
  ctx: RequestContext,
  topic: TopicState,
  p: PartitionLog,
  records: Buffer | null,
): Promise<Omit<PartitionResponse, 'index'>> {
  const checked = validate(records, topic);
  if ('errorCode' in checked) return { ...checked, baseOffset: -1n };
  const { batches, headers } = checked;
  if (p.leaseEpoch === null) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, baseOffset: -1n };

  // Idempotent producers: every batch reserves its sequence range before it is written, so a
  // retry that arrives while the original is still being flushed waits for the original's offsets.
  const idempotent = headers[0].producerId >= 0n;
  const reservations: Reservation[] = [];
  if (idempotent) {
    if (headers.some((h) => h.producerId !== headers[0].producerId)) {
      return reject(ErrorCode.INVALID_RECORD, 'batches of one partition from several producers');
    }
    const state = await ctx.logs.producerState(p);
    for (const h of headers) {
      const lastSeq = (h.baseSequence + h.lastOffsetDelta) % 2 ** 31;
      const r = state.reserve(h.producerId, h.producerEpoch, h.baseSequence, lastSeq, h.maxTimestamp);
      if (r.kind === 'append') {
        if (r.reservation) reservations.push(r.reservation);
        continue;
      }
      for (const done of reservations) state.rollback(done);
      if (r.kind === 'error') return { errorCode: r.code, baseOffset: -1n };
      if (headers.length > 1) return reject(ErrorCode.DUPLICATE_SEQUENCE_NUMBER, 'a retried batch was sent together with others');
      // A retry: answer with the original batch's offsets, without writing it again.
      if (r.kind === 'duplicate') return { errorCode: ErrorCode.NONE, baseOffset: r.baseOffset, logStartOffset: p.logStartOffset };
      const outcome = await r.reservation.settled;
      if (outcome.committed) return { errorCode: ErrorCode.NONE, baseOffset: outcome.baseOffset, logStartOffset: p.logStartOffset };
      return reject(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'the original of this retried batch failed');
    }
  }

  try {
    const result = await ctx.logs.append(topic, p, batches);
    if (reservations.length > 0) {
      let next = result.baseOffset;
      for (let i = 0; i < reservations.length; i++) {
        const last = next + BigInt(headers[i].lastOffsetDelta);
        (await ctx.logs.producerState(p)).commit(reservations[i], next, last);
        next = last + 1n;
      }
    }
    return {
      errorCode: ErrorCode.NONE,
      baseOffset: result.baseOffset,
      logAppendTimeMs: result.logAppendTime,
      logStartOffset: p.logStartOffset,
    };
  } catch (err) {
    if (reservations.length > 0) (await ctx.logs.producerState(p)).rollback(reservations[0]);
    const rejection = appendErrorCode(err);
    if (rejection.errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) ctx.log.error({ err, partition: p.key }, 'produce failed');
    return { ...rejection, baseOffset: -1n };
  }
}

export const produceHandler: ApiHandler<ProduceRequest, Input<ProduceResponse>> = {
  apiKey: ApiKey.Produce,
  minVersion: 3,
  maxVersion: 11,
  async handle(ctx, request, version) {
    const responses = await Promise.all(
      request.topicData.map(async (t) => {
        const topic = ctx.logs.topic(t.name);
        const partitionResponses = await Promise.all(
          t.partitionData.map(async (pd): Promise<PartitionResponse> => {
            const p = topic?.partitions[pd.index];
            if (!topic || !p) return { index: pd.index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1n };
            const r = await producePartition(ctx, topic, p, pd.records);
            // errorMessage exists from v8 on; older versions carry only the code.
            return { index: pd.index, ...r, errorMessage: version >= 8 ? (r.errorMessage ?? null) : undefined };
          }),
        );
        return { name: t.name, partitionResponses };
      }),
    );
    if (request.acks === 0) return null;
    return { responses, throttleTimeMs: 0 };
  },
};
