/**
 * InitProducerId decisions (Kafka's TransactionCoordinator.handleInitProducerId and
 * TransactionMetadata.prepareIncrementProducerEpoch / prepareProducerIdRotation, 3.x; KIP-360).
 *
 * - No transactional id (idempotent producer): always a NEW producer id with epoch 0, whatever
 *   producer id/epoch the client sends. (KIP-360 recovery for idempotent producers is client-side:
 *   the client bumps its own epoch and restarts at sequence 0, which ProducerStateManager accepts;
 *   it only asks for a new id when its epoch is exhausted.)
 * - A transactional id: bump the epoch of the id's producer; with the client's current
 *   (producerId, epoch) given (v3+), fence it unless it is the current one (or a retry of the last
 *   successful call); when the epoch is exhausted (≥ 32766) rotate to a new producer id at epoch 0.
 *   Ongoing transactions are not modelled here (no transaction state machine yet).
 * - producerId -1 with epoch -1 means "not given"; exactly one of them -1 is INVALID_REQUEST.
 */
import { ProducerErrorCode as E } from './errors.js';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID } from './producer-state.js';

export const MAX_PRODUCER_EPOCH = 32_767;
/** transaction.max.timeout.ms default. */
export const DEFAULT_MAX_TRANSACTION_TIMEOUT_MS = 900_000;

export function isEpochExhausted(epoch: number): boolean {
  return epoch >= MAX_PRODUCER_EPOCH - 1;
}

/** What the coordinator remembers per transactional id. */
export interface TransactionalProducerState {
  producerId: bigint;
  producerEpoch: number;
  /** The producer id before the last rotation, or -1. */
  prevProducerId: bigint;
  /** The epoch a retry of the last successful InitProducerId may carry, or -1. */
  lastProducerEpoch: number;
}

export interface ProducerIdAndEpoch {
  producerId: bigint;
  epoch: number;
}

export interface InitProducerIdInput {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** v3+: the client's current producer id, or -1. */
  producerId: bigint;
  /** v3+: the client's current epoch, or -1. */
  producerEpoch: number;
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

export type InitProducerIdPlan =
  | { kind: 'error'; code: number }
  /** Allocate a producer id; the state becomes { newId, epoch 0, prevProducerId, lastProducerEpoch }. */
  | { kind: 'new_producer_id'; prevProducerId: bigint; lastProducerEpoch: number }
  /** Keep the producer id; store `next` (epoch bumped, or unchanged for a retry). */
  | { kind: 'update'; next: TransactionalProducerState };

/** Parses the optional (producerId, epoch) pair of an InitProducerId request. */
export function expectedProducer(producerId: bigint, producerEpoch: number): ProducerIdAndEpoch | null | 'invalid' {
  const noId = producerId === NO_PRODUCER_ID;
  const noEpoch = producerEpoch === NO_PRODUCER_EPOCH;
  if (noId && noEpoch) return null;
  if (noId || noEpoch) return 'invalid';
  return { producerId, epoch: producerEpoch };
}

/** The pure decision for a transactional id whose current state is `current` (null = first use). */
export function planInitProducerId(current: TransactionalProducerState | null, expected: ProducerIdAndEpoch | null): InitProducerIdPlan {
  if (current === null) {
    return { kind: 'new_producer_id', prevProducerId: NO_PRODUCER_ID, lastProducerEpoch: NO_PRODUCER_EPOCH };
  }
  if (expected !== null) {
    const valid =
      current.producerEpoch === NO_PRODUCER_EPOCH ||
      expected.producerId === current.producerId ||
      (expected.producerId === current.prevProducerId && isEpochExhausted(expected.epoch));
    if (!valid) return { kind: 'error', code: E.PRODUCER_FENCED };
  }
  if (isEpochExhausted(current.producerEpoch) && (expected === null || expected.epoch === current.producerEpoch)) {
    return {
      kind: 'new_producer_id',
      prevProducerId: current.producerId,
      lastProducerEpoch: expected === null ? NO_PRODUCER_EPOCH : current.producerEpoch,
    };
  }
  const bumped = current.producerEpoch + 1;
  if (expected === null) {
    return { kind: 'update', next: { ...current, producerEpoch: bumped, lastProducerEpoch: NO_PRODUCER_EPOCH } };
  }
  if (current.producerEpoch === NO_PRODUCER_EPOCH || expected.epoch === current.producerEpoch) {
    return { kind: 'update', next: { ...current, producerEpoch: bumped, lastProducerEpoch: current.producerEpoch } };
  }
  if (expected.epoch === current.lastProducerEpoch) {
    // A retry of a call that succeeded but whose response was lost: same epoch again.
    return { kind: 'update', next: { ...current } };
  }
  return { kind: 'error', code: E.PRODUCER_FENCED };
}

/** Per-transactional-id state with optimistic concurrency (e.g. a PostgreSQL row with a version). */
export interface TransactionalIdStore {
  load(transactionalId: string): Promise<{ state: TransactionalProducerState; version: number } | null>;
  /** Stores `next` if the row is still at `expectedVersion` (null: must not exist yet). */
  compareAndSet(transactionalId: string, next: TransactionalProducerState, expectedVersion: number | null): Promise<boolean>;
}

export interface InitProducerIdDeps {
  /** The metadata store's allocateProducerId(). */
  allocateProducerId(): Promise<bigint>;
  /** Absent: transactional ids are refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (fatal for clients, clear message). */
  transactions?: TransactionalIdStore;
  maxTransactionTimeoutMs?: number;
}

function failure(code: number): InitProducerIdResult {
  return { errorCode: code, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}

/**
 * InitProducerId end to end over injected stores. Store failures answer COORDINATOR_NOT_AVAILABLE
 * (retriable); a lost compare-and-set race CONCURRENT_TRANSACTIONS (retriable).
 */
export async function initProducerId(input: InitProducerIdInput, deps: InitProducerIdDeps): Promise<InitProducerIdResult> {
  const expected = expectedProducer(input.producerId, input.producerEpoch);
  if (expected === 'invalid') return failure(E.INVALID_REQUEST);
  if (input.transactionalId === null) {
    try {
      return { errorCode: E.NONE, producerId: await deps.allocateProducerId(), producerEpoch: 0 };
    } catch {
      return failure(E.COORDINATOR_NOT_AVAILABLE);
    }
  }
  if (input.transactionalId === '') return failure(E.INVALID_REQUEST);
  const maxTimeout = deps.maxTransactionTimeoutMs ?? DEFAULT_MAX_TRANSACTION_TIMEOUT_MS;
  if (!(input.transactionTimeoutMs > 0 && input.transactionTimeoutMs <= maxTimeout)) return failure(E.INVALID_TRANSACTION_TIMEOUT);
  const store = deps.transactions;
  if (store === undefined) return failure(E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  try {
    const loaded = await store.load(input.transactionalId);
    const plan = planInitProducerId(loaded?.state ?? null, expected);
    if (plan.kind === 'error') return failure(plan.code);
    const next: TransactionalProducerState =
      plan.kind === 'update'
        ? plan.next
        : {
            producerId: await deps.allocateProducerId(),
            producerEpoch: 0,
            prevProducerId: plan.prevProducerId,
            lastProducerEpoch: plan.lastProducerEpoch,
          };
    if (!(await store.compareAndSet(input.transactionalId, next, loaded?.version ?? null))) {
      return failure(E.CONCURRENT_TRANSACTIONS);
    }
    return { errorCode: E.NONE, producerId: next.producerId, producerEpoch: next.producerEpoch };
  } catch {
    return failure(E.COORDINATOR_NOT_AVAILABLE);
  }
}
