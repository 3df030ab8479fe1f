import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProducerErrorCode as E } from '../../src/producers/errors.js';
import {
  MAX_SEQUENCE,
  ProducerStateManager,
  incrementSequence,
  type ProducerBatchHeader,
  type SequenceCheck,
} from '../../src/producers/producer-state.js';

const P = 1000n;

/** Appends `n` batches of `size` records for producer P at epoch `epoch`, starting at sequence `seq` and offset `offset`. */
function appendBatches(m: ProducerStateManager, n: number, size: number, epoch = 0, seq = 0, offset = 0n): { seq: number; offset: bigint } {
  for (let i = 0; i < n; i++) {
    const last = incrementSequence(seq, size - 1);
    assert.deepEqual(m.check(P, epoch, seq, last), { kind: 'append' });
    m.record(P, epoch, seq, last, offset, offset + BigInt(size - 1), 1000n + offset);
    seq = incrementSequence(last, 1);
    offset += BigInt(size);
  }
  return { seq, offset };
}

describe('ProducerStateManager: sequence checks (Kafka semantics)', () => {
  it('in-order batches append', () => {
    const m = new ProducerStateManager();
    appendBatches(m, 10, 3);
    assert.equal(m.entry(P)!.batches.length, 5);
    assert.deepEqual(m.check(P, 0, 30, 32), { kind: 'append' });
  });

  it('a retry of each of the last 5 batches is a duplicate answered with its original offsets', () => {
    const m = new ProducerStateManager();
    appendBatches(m, 8, 4); // batches at seq 0,4,…,28; offsets 0,4,…,28
    for (let i = 3; i < 8; i++) {
      const r = m.check(P, 0, i * 4, i * 4 + 3);
      assert.deepEqual(r, { kind: 'duplicate', baseOffset: BigInt(i * 4), lastOffset: BigInt(i * 4 + 3), timestamp: 1000n + BigInt(i * 4) });
    }
    // Same first sequence, different last: not a duplicate, and not in sequence either.
    assert.deepEqual(m.check(P, 0, 28, 30), { kind: 'error', code: E.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  it('a retry of the 6th-most-recent batch is OUT_OF_ORDER_SEQUENCE_NUMBER (only 5 are remembered)', () => {
    const m = new ProducerStateManager();
    appendBatches(m, 6, 2);
    assert.deepEqual(m.check(P, 0, 0, 1), { kind: 'error', code: E.OUT_OF_ORDER_SEQUENCE_NUMBER });
    assert.equal(m.check(P, 0, 2, 3).kind, 'duplicate');
  });

  it('a gap is OUT_OF_ORDER_SEQUENCE_NUMBER', () => {
    const m = new ProducerStateManager();
    appendBatches(m, 2, 5);
    assert.deepEqual(m.check(P, 0, 11, 12), { kind: 'error', code: E.OUT_OF_ORDER_SEQUENCE_NUMBER });
    assert.deepEqual(m.check(P, 0, 9, 12), { kind: 'error', code: E.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  it('an older epoch is INVALID_PRODUCER_EPOCH (not PRODUCER_FENCED, since Kafka 2.7)', () => {
    const m = new ProducerStateManager();
    appendBatches(m, 1, 1, 3);
    assert.deepEqual(m.check(P, 2, 1, 1), { kind: 'error', code: E.INVALID_PRODUCER_EPOCH });
    assert.deepEqual(m.check(P, 2, 0, 0), { kind: 'error', code: E.INVALID_PRODUCER_EPOCH });
  });

  it('a new epoch must start at sequence 0, and clears the duplicate window', () => {
    const m = new ProducerStateManager();
    appendBatches(m, 3, 2, 0);
    assert.deepEqual(m.check(P, 1, 6, 7), { kind: 'error', code: E.OUT_OF_ORDER_SEQUENCE_NUMBER });
    assert.deepEqual(m.check(P, 1, 0, 1), { kind: 'append' });
    m.record(P, 1, 0, 1, 6n, 7n, 0n);
    const e = m.entry(P)!;
    assert.equal(e.epoch, 1);
    assert.equal(e.batches.length, 1);
    assert.deepEqual(m.check(P, 0, 4, 5), { kind: 'error', code: E.INVALID_PRODUCER_EPOCH });
    assert.deepEqual(m.check(P, 1, 2, 3), { kind: 'append' });
  });

  it('an unknown producer is accepted at any sequence (KIP-360); with the reject policy it is UNKNOWN_PRODUCER_ID', () => {
    const m = new ProducerStateManager();
    assert.deepEqual(m.check(P, 0, 42, 50), { kind: 'append' });
    const strict = new ProducerStateManager({ unknownProducerPolicy: 'reject' });
    assert.deepEqual(strict.check(P, 0, 42, 50), { kind: 'error', code: E.UNKNOWN_PRODUCER_ID });
    assert.deepEqual(strict.check(P, 0, 0, 8), { kind: 'append' });
  });

  it('sequence numbers wrap from 2^31-1 to 0', () => {
    assert.equal(incrementSequence(MAX_SEQUENCE, 1), 0);
    assert.equal(incrementSequence(MAX_SEQUENCE - 1, 3), 1);
    assert.equal(incrementSequence(5, 3), 8);
    const m = new ProducerStateManager();
    m.record(P, 0, MAX_SEQUENCE - 9, MAX_SEQUENCE, 0n, 9n, 0n);
    assert.deepEqual(m.check(P, 0, 0, 4), { kind: 'append' });
    assert.deepEqual(m.check(P, 0, 1, 4), { kind: 'error', code: E.OUT_OF_ORDER_SEQUENCE_NUMBER });
    // A batch spanning the wrap.
    const n = new ProducerStateManager();
    const first = MAX_SEQUENCE - 1;
    const last = incrementSequence(first, 4); // 2
    n.record(P, 0, first - 1, first - 1, 0n, 0n, 0n);
    assert.deepEqual(n.check(P, 0, first, last), { kind: 'append' });
    n.record(P, 0, first, last, 1n, 5n, 0n);
    assert.equal(n.check(P, 0, first, last).kind, 'duplicate');
    assert.deepEqual(n.check(P, 0, 3, 3), { kind: 'append' });
  });

  it('producer id -1 is never tracked', () => {
    const m = new ProducerStateManager();
    m.record(-1n, -1, -1, -1, 0n, 0n, 0n);
    assert.equal(m.producerCount, 0);
    assert.deepEqual(m.check(-1n, -1, -1, -1), { kind: 'append' });
    assert.deepEqual(m.reserve(-1n, -1, -1, -1, 0n), { kind: 'append', reservation: null });
    assert.equal(m.producerCount, 0);
  });
});

describe('ProducerStateManager: in-flight reservations', () => {
  it('several in-flight batches are sequenced against each other; a retry of one in flight is in_flight, then its offsets', async () => {
    const m = new ProducerStateManager();
    const a = m.reserve(P, 0, 0, 9, 1n);
    const b = m.reserve(P, 0, 10, 19, 2n);
    assert.equal(a.kind, 'append');
    assert.equal(b.kind, 'append');
    assert.deepEqual(m.check(P, 0, 30, 39), { kind: 'error', code: E.OUT_OF_ORDER_SEQUENCE_NUMBER });
    const retry = m.reserve(P, 0, 10, 19, 2n);
    assert.equal(retry.kind, 'in_flight');
    if (a.kind !== 'append' || b.kind !== 'append' || retry.kind !== 'in_flight') return;
    assert.equal(retry.reservation, b.reservation);
    assert.throws(() => m.commit(b.reservation!, 10n, 19n), /in order/);
    m.commit(a.reservation!, 100n, 109n);
    m.commit(b.reservation!, 110n, 119n);
    assert.deepEqual(await retry.reservation.settled, { committed: true, baseOffset: 110n, lastOffset: 119n, timestamp: 2n });
    assert.deepEqual(m.check(P, 0, 10, 19), { kind: 'duplicate', baseOffset: 110n, lastOffset: 119n, timestamp: 2n });
    assert.deepEqual(m.check(P, 0, 20, 29), { kind: 'append' });
    assert.equal(m.entry(P)!.inFlight, 0);
  });

  it('rollback drops the reservation and every later one of that producer; the retry is then appended afresh', async () => {
    const m = new ProducerStateManager();
    m.record(P, 0, 0, 4, 0n, 4n, 0n);
    const a = m.reserve(P, 0, 5, 9, 0n);
    const b = m.reserve(P, 0, 10, 14, 0n);
    if (a.kind !== 'append' || b.kind !== 'append') assert.fail('expected appends');
    const dropped = m.rollback(a.reservation!);
    assert.deepEqual(dropped, [a.reservation, b.reservation]);
    assert.deepEqual(await b.reservation!.settled, { committed: false });
    assert.equal(a.reservation!.status, 'rolled_back');
    assert.deepEqual(m.rollback(a.reservation!), []);
    assert.throws(() => m.commit(a.reservation!, 5n, 9n), /rolled_back/);
    assert.deepEqual(m.check(P, 0, 10, 14), { kind: 'error', code: E.OUT_OF_ORDER_SEQUENCE_NUMBER });
    assert.equal(m.reserve(P, 0, 5, 9, 0n).kind, 'append');
  });

  it('a rolled-back first reservation of an unknown producer leaves no state behind', () => {
    const m = new ProducerStateManager();
    const a = m.reserve(P, 0, 0, 0, 0n);
    if (a.kind !== 'append') assert.fail();
    m.rollback(a.reservation!);
    assert.equal(m.producerCount, 0);
  });

  it('an in-flight epoch bump is honoured by later checks', () => {
    const m = new ProducerStateManager();
    m.record(P, 0, 0, 4, 0n, 4n, 0n);
    assert.equal(m.reserve(P, 1, 0, 4, 0n).kind, 'append');
    assert.deepEqual(m.check(P, 0, 5, 9), { kind: 'error', code: E.INVALID_PRODUCER_EPOCH });
    assert.deepEqual(m.check(P, 1, 5, 9), { kind: 'append' });
    assert.equal(m.check(P, 1, 0, 4).kind, 'in_flight');
  });

  it('reservations from another manager are refused', () => {
    const m = new ProducerStateManager();
    const other = new ProducerStateManager();
    const r = other.reserve(P, 0, 0, 0, 0n);
    if (r.kind !== 'append') assert.fail();
    assert.throws(() => m.commit(r.reservation!, 0n, 0n), /does not belong/);
  });
});

describe('ProducerStateManager: memory bounds', () => {
  it('producers idle for producer.id.expiration.ms are forgotten (not those with batches in flight)', () => {
    let now = 0;
    const m = new ProducerStateManager({ now: () => now });
    m.record(1n, 0, 0, 0, 0n, 0n, 0n);
    now = 500;
    m.record(2n, 0, 0, 0, 1n, 1n, 0n);
    m.reserve(3n, 0, 0, 0, 0n);
    assert.equal(m.removeExpiredProducers(1000, 1000), 1);
    assert.equal(m.entry(1n), undefined);
    assert.notEqual(m.entry(2n), undefined);
    assert.equal(m.producerCount, 2);
  });

  it('beyond maxProducers the least recently written producer is forgotten', () => {
    const m = new ProducerStateManager({ maxProducers: 3 });
    for (let i = 1n; i <= 3n; i++) m.record(i, 0, 0, 0, i, i, 0n);
    m.record(1n, 0, 1, 1, 10n, 10n, 0n); // 1 is now the most recent
    m.record(4n, 0, 0, 0, 11n, 11n, 0n);
    assert.equal(m.producerCount, 3);
    assert.equal(m.entry(2n), undefined);
    assert.notEqual(m.entry(1n), undefined);
  });
});

// ------------------------------------------------------------------ snapshot / rebuild

interface Op {
  producer: bigint;
  epochBump: boolean;
  size: number;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  producer: fc.constantFrom(1n, 2n, 3n, 9_007_199_254_740_993n),
  epochBump: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  size: fc.integer({ min: 1, max: 20 }),
});

/** Applies valid appends for a mix of producers, returning the batch headers written. */
function applyOps(m: ProducerStateManager, ops: Op[], startSeq: number): ProducerBatchHeader[] {
  const state = new Map<bigint, { epoch: number; seq: number }>();
  let offset = 0n;
  const headers: ProducerBatchHeader[] = [];
  for (const op of ops) {
    const s = state.get(op.producer) ?? { epoch: 0, seq: startSeq };
    if (op.epochBump) {
      s.epoch++;
      s.seq = 0;
    }
    const last = incrementSequence(s.seq, op.size - 1);
    const check = m.check(op.producer, s.epoch, s.seq, last);
    assert.equal(check.kind, 'append');
    const maxTimestamp = 1_700_000_000_000n + offset;
    m.record(op.producer, s.epoch, s.seq, last, offset, offset + BigInt(op.size - 1), maxTimestamp);
    headers.push({
      producerId: op.producer,
      producerEpoch: s.epoch,
      baseSequence: s.seq,
      lastOffsetDelta: op.size - 1,
      baseOffset: offset,
      maxTimestamp,
      recordCount: op.size,
    });
    s.seq = incrementSequence(last, 1);
    state.set(op.producer, s);
    offset += BigInt(op.size);
  }
  return headers;
}

const probeArb = fc.record({
  producer: fc.constantFrom(1n, 2n, 3n, 4n, 9_007_199_254_740_993n),
  epoch: fc.integer({ min: 0, max: 4 }),
  seq: fc.integer({ min: 0, max: 120 }),
  size: fc.integer({ min: 1, max: 20 }),
});

function probeAll(m: ProducerStateManager, probes: { producer: bigint; epoch: number; seq: number; size: number }[]): SequenceCheck[] {
  return probes.map((p) => m.check(p.producer, p.epoch, p.seq, incrementSequence(p.seq, p.size - 1)));
}

describe('ProducerStateManager: snapshot / restore / rebuild', () => {
  it('snapshot → JSON → restore is the identity (state and every answer)', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 60 }),
        fc.constantFrom(0, MAX_SEQUENCE - 30),
        fc.array(probeArb, { maxLength: 30 }),
        (ops, startSeq, probes) => {
          const m = new ProducerStateManager({ now: () => 123 });
          applyOps(m, ops, startSeq);
          const snap = m.snapshot();
          const restored = ProducerStateManager.restore(JSON.parse(JSON.stringify(snap)), { now: () => 123 });
          assert.deepEqual(restored.snapshot(), snap);
          assert.deepEqual(probeAll(restored, probes), probeAll(m, probes));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rebuilding from the log gives the same state; replaying after a snapshot is idempotent', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.integer({ min: 0, max: 60 }), (ops, cut) => {
        const m = new ProducerStateManager({ now: () => 7 });
        const headers = applyOps(m, ops, 0);
        const rebuilt = ProducerStateManager.fromBatches(headers, { now: () => 7 });
        assert.deepEqual(rebuilt.snapshot(), m.snapshot());
        // Snapshot taken after `cut` batches, then the whole log replayed on top of it.
        const partial = ProducerStateManager.fromBatches(headers.slice(0, cut), { now: () => 7 });
        const resumed = ProducerStateManager.restore(JSON.parse(JSON.stringify(partial.snapshot())), { now: () => 7 });
        resumed.rebuildFromBatches(headers);
        assert.deepEqual(resumed.snapshot(), m.snapshot());
      }),
      { numRuns: 200 },
    );
  });

  it('rebuild skips control batches and batches without a producer', () => {
    const m = ProducerStateManager.fromBatches([
      { producerId: -1n, producerEpoch: -1, baseSequence: -1, lastOffsetDelta: 0, baseOffset: 0n, maxTimestamp: 0n, recordCount: 1 },
      { producerId: 5n, producerEpoch: 0, baseSequence: -1, lastOffsetDelta: 0, baseOffset: 1n, maxTimestamp: 0n, recordCount: 1, isControl: true },
      { producerId: 5n, producerEpoch: 0, baseSequence: 0, lastOffsetDelta: 2, baseOffset: 2n, maxTimestamp: 9n, recordCount: 3 },
    ]);
    assert.equal(m.producerCount, 1);
    assert.deepEqual(m.check(5n, 0, 0, 2), { kind: 'duplicate', baseOffset: 2n, lastOffset: 4n, timestamp: 9n });
  });

  it('restore rejects malformed snapshots', () => {
    assert.throws(() => ProducerStateManager.restore(null), TypeError);
    assert.throws(() => ProducerStateManager.restore({ version: 2, producers: [] }), TypeError);
    const good = { producerId: '1', producerEpoch: 0, lastUpdateMs: 0, batches: [{ firstSeq: 0, lastSeq: 0, baseOffset: '0', lastOffset: '0', timestamp: '0' }] };
    assert.equal(ProducerStateManager.restore({ version: 1, producers: [good] }).producerCount, 1);
    assert.throws(() => ProducerStateManager.restore({ version: 1, producers: [{ ...good, producerId: 1 }] }), TypeError);
    assert.throws(() => ProducerStateManager.restore({ version: 1, producers: [{ ...good, producerEpoch: 40000 }] }), TypeError);
    assert.throws(() => ProducerStateManager.restore({ version: 1, producers: [{ ...good, batches: [{ ...good.batches[0], baseOffset: 'x' }] }] }), TypeError);
    assert.throws(() => ProducerStateManager.restore({ version: 1, producers: [{ ...good, batches: Array(6).fill(good.batches[0]) }] }), TypeError);
  });
});
