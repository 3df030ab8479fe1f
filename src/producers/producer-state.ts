/**
 * Idempotent-producer state of ONE partition: per producer id, its epoch and the metadata of its
 * last 5 batches, as Kafka's ProducerStateManager / ProducerStateEntry / ProducerAppendInfo
 * (apache/kafka storage/src/main/java/org/apache/kafka/storage/internals/log/, 3.x) keep it, so that
 * a retried batch is acknowledged with its original offsets instead of being written twice.
 *
 * Sequence rules (client appends, Kafka ≥ 2.7, non-transactional):
 * - a batch identical (epoch, first and last sequence) to one of the last 5 is a duplicate: answer
 *   it with the original offsets and do not write it;
 * - an epoch older than the producer's is INVALID_PRODUCER_EPOCH (Kafka answers produce with
 *   InvalidProducerEpochException since 2.7, not PRODUCER_FENCED);
 * - a newer epoch must start at sequence 0, else OUT_OF_ORDER_SEQUENCE_NUMBER;
 * - the same epoch must continue at lastSeq + 1 (Integer.MAX_VALUE wraps to 0), else
 *   OUT_OF_ORDER_SEQUENCE_NUMBER — also for a retry of a batch older than the last 5;
 * - a producer we have no state for is accepted at ANY sequence (KIP-360, Kafka ≥ 2.5; before,
 *   UNKNOWN_PRODUCER_ID). `unknownProducerPolicy: 'reject'` restores the old answer.
 * - producer id -1 (non-idempotent) is never tracked.
 *
 * In-flight batches. Our write path acknowledges a batch only after its object is uploaded and its
 * offsets committed in PostgreSQL, so a producer (max.in.flight up to 5) can have several batches
 * between "checked" and "durable". Hence two layers:
 * - `reserve()` checks a batch against the committed state PLUS the producer's earlier in-flight
 *   reservations (as if they had been appended), and queues it as a reservation;
 * - `commit(reservation, baseOffset, lastOffset)` once it is durable (in reservation order per
 *   producer: the log assigns offsets in that order), which moves it into the last-5 window;
 * - `rollback(reservation)` when its flush fails: it and every LATER reservation of the same
 *   producer are dropped (they were sequenced after it; the writer fails them too) and the client's
 *   retry is checked afresh.
 * A retry of a batch that is still in flight is answered `{ kind: 'in_flight', reservation }`: the
 * caller awaits `reservation.settled` and answers with the original offsets once it commits (or
 * re-checks when it was rolled back) — never writing the batch twice.
 * `check()` is the same decision without reserving; `record()` writes committed state directly
 * (recovery, single-phase callers). Do not mix `record()` with pending reservations of one producer.
 */
import { ProducerErrorCode as E } from './errors.js';

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const MAX_SEQUENCE = 2_147_483_647;
/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN. */
export const NUM_BATCHES_TO_RETAIN = 5;
/** producer.id.expiration.ms default (1 day). */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;

/** Kafka's DefaultRecordBatch.incrementSequence: wraps past Integer.MAX_VALUE to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > MAX_SEQUENCE - increment) return increment - (MAX_SEQUENCE - sequence) - 1;
  return sequence + increment;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === MAX_SEQUENCE);
}

export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  baseOffset: bigint;
  lastOffset: bigint;
  /** The batch's max timestamp. */
  timestamp: bigint;
}

export type ReservationOutcome =
  | { committed: true; baseOffset: bigint; lastOffset: bigint; timestamp: bigint }
  | { committed: false };

export interface Reservation {
  readonly producerId: bigint;
  readonly epoch: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly timestamp: bigint;
  readonly status: 'pending' | 'committed' | 'rolled_back';
  /** Resolves (never rejects) when the reservation is committed or rolled back. */
  readonly settled: Promise<ReservationOutcome>;
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; baseOffset: bigint; lastOffset: bigint; timestamp: bigint }
  | { kind: 'in_flight'; reservation: Reservation }
  | { kind: 'error'; code: number };

export type ReserveResult =
  /** `reservation` is null for producer id -1 (nothing to track). */
  | { kind: 'append'; reservation: Reservation | null }
  | Exclude<SequenceCheck, { kind: 'append' }>;

export interface ProducerStateOptions {
  /** 'accept' (Kafka ≥ 2.5, default): any first sequence from an unknown producer; 'reject': UNKNOWN_PRODUCER_ID unless 0. */
  unknownProducerPolicy?: 'accept' | 'reject';
  /** Producers kept per partition; beyond it the least recently written (with nothing in flight) are forgotten. */
  maxProducers?: number;
  /** Wall clock for `lastUpdateMs` (expiry). */
  now?: () => number;
}

/** What `rebuildFromBatches` needs from each v2 batch header. */
export interface ProducerBatchHeader {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  baseOffset: bigint;
  maxTimestamp: bigint;
  recordCount: number;
  /** Control batches (transaction markers) carry no sequence and are skipped. */
  isControl?: boolean;
}

export interface ProducerStateSnapshot {
  version: 1;
  producers: ProducerSnapshotEntry[];
}

export interface ProducerSnapshotEntry {
  /** int64 as a decimal string. */
  producerId: string;
  producerEpoch: number;
  lastUpdateMs: number;
  /** Oldest first, at most NUM_BATCHES_TO_RETAIN. */
  batches: { firstSeq: number; lastSeq: number; baseOffset: string; lastOffset: string; timestamp: string }[];
}

/** A read-only view of one producer's committed state. */
export interface ProducerEntryView {
  producerId: bigint;
  epoch: number;
  lastUpdateMs: number;
  batches: readonly BatchMetadata[];
  inFlight: number;
}

class ReservationImpl implements Reservation {
  status: 'pending' | 'committed' | 'rolled_back' = 'pending';
  outcome: ReservationOutcome | null = null;
  #settled: Promise<ReservationOutcome> | null = null;
  #resolve: ((o: ReservationOutcome) => void) | null = null;

  constructor(
    readonly owner: ProducerStateManager,
    readonly producerId: bigint,
    readonly epoch: number,
    readonly firstSeq: number,
    readonly lastSeq: number,
    readonly timestamp: bigint,
  ) {}

  get settled(): Promise<ReservationOutcome> {
    if (this.#settled === null) {
      if (this.outcome !== null) this.#settled = Promise.resolve(this.outcome);
      else this.#settled = new Promise((resolve) => (this.#resolve = resolve));
    }
    return this.#settled;
  }

  settle(outcome: ReservationOutcome): void {
    this.outcome = outcome;
    this.#resolve?.(outcome);
    this.#resolve = null;
  }
}

interface ProducerEntry {
  producerId: bigint;
  /** Committed epoch; NO_PRODUCER_EPOCH while only reservations exist. */
  epoch: number;
  batches: BatchMetadata[];
  lastUpdateMs: number;
  inFlight: ReservationImpl[];
}

type WindowItem = { batch: BatchMetadata; reservation: null } | { batch: null; reservation: ReservationImpl };

export class ProducerStateManager {
  readonly #producers = new Map<bigint, ProducerEntry>();
  readonly #policy: 'accept' | 'reject';
  readonly #maxProducers: number;
  readonly #now: () => number;

  constructor(options: ProducerStateOptions = {}) {
    this.#policy = options.unknownProducerPolicy ?? 'accept';
    this.#maxProducers = options.maxProducers ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  get producerCount(): number {
    return this.#producers.size;
  }

  /** The committed state of one producer, or undefined. */
  entry(producerId: bigint): ProducerEntryView | undefined {
    const e = this.#producers.get(producerId);
    if (e === undefined || e.epoch === NO_PRODUCER_EPOCH) return undefined;
    return { producerId, epoch: e.epoch, lastUpdateMs: e.lastUpdateMs, batches: e.batches.map((b) => ({ ...b })), inFlight: e.inFlight.length };
  }

  /** Decides what to do with a batch (see the module comment); changes nothing. */
  check(producerId: bigint, epoch: number, baseSequence: number, lastSequence: number): SequenceCheck {
    if (producerId < 0n) return { kind: 'append' };
    const e = this.#producers.get(producerId);
    let effEpoch = e?.epoch ?? NO_PRODUCER_EPOCH;
    let window: WindowItem[] = e === undefined ? [] : e.batches.map((batch) => ({ batch, reservation: null }));
    for (const r of e?.inFlight ?? []) {
      if (r.epoch !== effEpoch) {
        window = [];
        effEpoch = r.epoch;
      }
      window.push({ batch: null, reservation: r });
      if (window.length > NUM_BATCHES_TO_RETAIN) window.shift();
    }
    if (effEpoch === NO_PRODUCER_EPOCH) {
      // No state at all for this producer.
      if (this.#policy === 'reject' && baseSequence !== 0) return { kind: 'error', code: E.UNKNOWN_PRODUCER_ID };
      return { kind: 'append' };
    }
    if (epoch === effEpoch) {
      for (const item of window) {
        const firstSeq = item.batch?.firstSeq ?? item.reservation!.firstSeq;
        const lastSeq = item.batch?.lastSeq ?? item.reservation!.lastSeq;
        if (firstSeq !== baseSequence || lastSeq !== lastSequence) continue;
        if (item.batch !== null) {
          return { kind: 'duplicate', baseOffset: item.batch.baseOffset, lastOffset: item.batch.lastOffset, timestamp: item.batch.timestamp };
        }
        return { kind: 'in_flight', reservation: item.reservation };
      }
    }
    if (epoch < effEpoch) return { kind: 'error', code: E.INVALID_PRODUCER_EPOCH };
    if (epoch !== effEpoch) {
      return baseSequence === 0 ? { kind: 'append' } : { kind: 'error', code: E.OUT_OF_ORDER_SEQUENCE_NUMBER };
    }
    const last = window[window.length - 1];
    const lastSeq = last === undefined ? NO_SEQUENCE : (last.batch?.lastSeq ?? last.reservation!.lastSeq);
    return inSequence(lastSeq, baseSequence) ? { kind: 'append' } : { kind: 'error', code: E.OUT_OF_ORDER_SEQUENCE_NUMBER };
  }

  /** `check` + queue the batch as in flight when it is to be appended. */
  reserve(producerId: bigint, epoch: number, baseSequence: number, lastSequence: number, timestamp: bigint): ReserveResult {
    const result = this.check(producerId, epoch, baseSequence, lastSequence);
    if (result.kind !== 'append') return result;
    if (producerId < 0n) return { kind: 'append', reservation: null };
    const e = this.#touch(producerId);
    const r = new ReservationImpl(this, producerId, epoch, baseSequence, lastSequence, timestamp);
    e.inFlight.push(r);
    return { kind: 'append', reservation: r };
  }

  /**
   * Marks a reservation durable at [baseOffset, lastOffset]. Reservations of one producer must be
   * committed in the order they were made (the log assigns their offsets in that order).
   */
  commit(reservation: Reservation, baseOffset: bigint, lastOffset: bigint): void {
    const r = this.#own(reservation);
    if (r.status !== 'pending') throw new Error(`cannot commit a ${r.status} reservation`);
    const e = this.#producers.get(r.producerId);
    if (e === undefined || e.inFlight[0] !== r) {
      throw new Error(`reservations of producer ${r.producerId} must be committed in order`);
    }
    e.inFlight.shift();
    r.status = 'committed';
    this.#addBatch(e, r.epoch, { firstSeq: r.firstSeq, lastSeq: r.lastSeq, baseOffset, lastOffset, timestamp: r.timestamp });
    r.settle({ committed: true, baseOffset, lastOffset, timestamp: r.timestamp });
  }

  /**
   * Drops a reservation whose write failed, and every later reservation of the same producer.
   * Returns the dropped reservations (the given one first); their `settled` resolve `{ committed: false }`.
   */
  rollback(reservation: Reservation): Reservation[] {
    const r = this.#own(reservation);
    if (r.status !== 'pending') return [];
    const e = this.#producers.get(r.producerId)!;
    const i = e.inFlight.indexOf(r);
    const dropped = e.inFlight.splice(i);
    for (const d of dropped) {
      d.status = 'rolled_back';
      d.settle({ committed: false });
    }
    if (e.epoch === NO_PRODUCER_EPOCH && e.inFlight.length === 0) this.#producers.delete(r.producerId);
    return dropped;
  }

  /** Records a durable batch directly (no reservation). Producer id -1 is ignored. */
  record(
    producerId: bigint,
    epoch: number,
    firstSeq: number,
    lastSeq: number,
    baseOffset: bigint,
    lastOffset: bigint,
    timestamp: bigint,
  ): void {
    if (producerId < 0n) return;
    this.#addBatch(this.#touch(producerId), epoch, { firstSeq, lastSeq, baseOffset, lastOffset, timestamp });
  }

  /**
   * Replays batch headers from the log, oldest first, on top of the current state (empty, or a
   * restored snapshot): batches at or below a producer's last known offset are skipped, so replaying
   * the log after a snapshot is idempotent. No validation (the log is the truth); `recordCount` is
   * not needed (the last sequence follows from lastOffsetDelta, as Kafka computes it).
   */
  rebuildFromBatches(headers: Iterable<ProducerBatchHeader>): void {
    for (const h of headers) {
      if (h.producerId < 0n || h.baseSequence < 0 || h.isControl === true) continue;
      const lastOffset = h.baseOffset + BigInt(h.lastOffsetDelta);
      const known = this.#producers.get(h.producerId);
      const knownLast = known?.batches[known.batches.length - 1]?.lastOffset;
      if (knownLast !== undefined && lastOffset <= knownLast) continue;
      this.record(
        h.producerId,
        h.producerEpoch,
        h.baseSequence,
        incrementSequence(h.baseSequence, h.lastOffsetDelta),
        h.baseOffset,
        lastOffset,
        h.maxTimestamp,
      );
    }
  }

  static fromBatches(headers: Iterable<ProducerBatchHeader>, options: ProducerStateOptions = {}): ProducerStateManager {
    const m = new ProducerStateManager(options);
    m.rebuildFromBatches(headers);
    return m;
  }

  /** Forgets producers (with nothing in flight) idle for at least `expirationMs` (producer.id.expiration.ms). */
  removeExpiredProducers(nowMs: number = this.#now(), expirationMs: number = DEFAULT_PRODUCER_ID_EXPIRATION_MS): number {
    let removed = 0;
    for (const [id, e] of this.#producers) {
      if (e.inFlight.length === 0 && nowMs - e.lastUpdateMs >= expirationMs) {
        this.#producers.delete(id);
        removed++;
      }
    }
    return removed;
  }

  /** The committed state as JSON-safe data (int64 as decimal strings). In-flight reservations are not included. */
  snapshot(): ProducerStateSnapshot {
    const producers: ProducerSnapshotEntry[] = [];
    for (const e of this.#producers.values()) {
      if (e.epoch === NO_PRODUCER_EPOCH) continue;
      producers.push({
        producerId: e.producerId.toString(),
        producerEpoch: e.epoch,
        lastUpdateMs: e.lastUpdateMs,
        batches: e.batches.map((b) => ({
          firstSeq: b.firstSeq,
          lastSeq: b.lastSeq,
          baseOffset: b.baseOffset.toString(),
          lastOffset: b.lastOffset.toString(),
          timestamp: b.timestamp.toString(),
        })),
      });
    }
    return { version: 1, producers };
  }

  /** Rebuilds a manager from `snapshot()` output (e.g. after JSON round trip). Throws on malformed input. */
  static restore(snapshot: unknown, options: ProducerStateOptions = {}): ProducerStateManager {
    const m = new ProducerStateManager(options);
    const s = snapshot as Partial<ProducerStateSnapshot> | null;
    if (s === null || typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.producers)) {
      throw new TypeError('not a version 1 producer state snapshot');
    }
    for (const p of s.producers as unknown[]) {
      const entry = parseEntry(p);
      m.#producers.set(entry.producerId, entry);
    }
    return m;
  }

  // ---------------------------------------------------------------- internals

  #own(reservation: Reservation): ReservationImpl {
    if (!(reservation instanceof ReservationImpl) || reservation.owner !== this) {
      throw new Error('reservation does not belong to this producer state');
    }
    return reservation;
  }

  /** The entry for a producer (created if needed), moved to the most-recently-used end. */
  #touch(producerId: bigint): ProducerEntry {
    let e = this.#producers.get(producerId);
    if (e !== undefined) {
      this.#producers.delete(producerId);
    } else {
      this.#evictIfFull();
      e = { producerId, epoch: NO_PRODUCER_EPOCH, batches: [], lastUpdateMs: this.#now(), inFlight: [] };
    }
    this.#producers.set(producerId, e);
    return e;
  }

  #evictIfFull(): void {
    if (this.#producers.size < this.#maxProducers) return;
    for (const [id, e] of this.#producers) {
      if (this.#producers.size < this.#maxProducers) return;
      if (e.inFlight.length === 0) this.#producers.delete(id);
    }
  }

  /** Kafka's ProducerStateEntry.addBatch: a new epoch clears the window; keep the last 5. */
  #addBatch(e: ProducerEntry, epoch: number, batch: BatchMetadata): void {
    if (e.epoch !== epoch) {
      e.epoch = epoch;
      e.batches = [];
    }
    e.batches.push(batch);
    if (e.batches.length > NUM_BATCHES_TO_RETAIN) e.batches.shift();
    e.lastUpdateMs = this.#now();
  }
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function parseBigint(v: unknown, what: string): bigint {
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw new TypeError(`snapshot: ${what} must be a decimal string`);
  return BigInt(v);
}

function parseEntry(p: unknown): ProducerEntry {
  const o = p as Partial<ProducerSnapshotEntry> | null;
  if (o === null || typeof o !== 'object') throw new TypeError('snapshot: producer entry must be an object');
  const producerId = parseBigint(o.producerId, 'producerId');
  if (producerId < 0n) throw new TypeError('snapshot: producerId must be ≥ 0');
  if (!isInt(o.producerEpoch, 0, 32767)) throw new TypeError('snapshot: producerEpoch must be an int16 ≥ 0');
  if (!isInt(o.lastUpdateMs, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)) throw new TypeError('snapshot: lastUpdateMs must be an integer');
  if (!Array.isArray(o.batches) || o.batches.length > NUM_BATCHES_TO_RETAIN) throw new TypeError('snapshot: batches must be an array of at most 5');
  const batches: BatchMetadata[] = o.batches.map((b: unknown) => {
    const x = b as Partial<ProducerSnapshotEntry['batches'][number]> | null;
    if (x === null || typeof x !== 'object') throw new TypeError('snapshot: batch must be an object');
    if (!isInt(x.firstSeq, 0, MAX_SEQUENCE) || !isInt(x.lastSeq, 0, MAX_SEQUENCE)) throw new TypeError('snapshot: sequences must be int32 ≥ 0');
    return {
      firstSeq: x.firstSeq,
      lastSeq: x.lastSeq,
      baseOffset: parseBigint(x.baseOffset, 'baseOffset'),
      lastOffset: parseBigint(x.lastOffset, 'lastOffset'),
      timestamp: parseBigint(x.timestamp, 'timestamp'),
    };
  });
  return { producerId, epoch: o.producerEpoch, batches, lastUpdateMs: o.lastUpdateMs, inFlight: [] };
}
