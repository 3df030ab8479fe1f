import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProducerErrorCode as E } from '../../src/producers/errors.js';
import {
  initProducerId,
  planInitProducerId,
  type TransactionalIdStore,
  type TransactionalProducerState,
} from '../../src/producers/init-producer-id.js';

class MemoryTxnStore implements TransactionalIdStore {
  readonly rows = new Map<string, { state: TransactionalProducerState; version: number }>();
  loseNextRace = false;

  async load(id: string) {
    const row = this.rows.get(id);
    return row === undefined ? null : { state: { ...row.state }, version: row.version };
  }

  async compareAndSet(id: string, next: TransactionalProducerState, expectedVersion: number | null) {
    if (this.loseNextRace) {
      this.loseNextRace = false;
      return false;
    }
    const row = this.rows.get(id);
    if ((row?.version ?? null) !== expectedVersion) return false;
    this.rows.set(id, { state: { ...next }, version: (row?.version ?? 0) + 1 });
    return true;
  }
}

function deps(store?: TransactionalIdStore) {
  let next = 100n;
  return { allocateProducerId: async () => next++, transactions: store };
}

const base = { transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 };

describe('InitProducerId', () => {
  it('idempotent producers always get a new producer id at epoch 0, whatever they send', async () => {
    const d = deps();
    assert.deepEqual(await initProducerId({ ...base, transactionalId: null }, d), { errorCode: E.NONE, producerId: 100n, producerEpoch: 0 });
    assert.deepEqual(await initProducerId({ ...base, transactionalId: null, producerId: 100n, producerEpoch: 5 }, d), {
      errorCode: E.NONE,
      producerId: 101n,
      producerEpoch: 0,
    });
  });

  it('only one of producerId/epoch set is INVALID_REQUEST; an allocation failure is COORDINATOR_NOT_AVAILABLE', async () => {
    assert.equal((await initProducerId({ ...base, transactionalId: null, producerId: 5n }, deps())).errorCode, E.INVALID_REQUEST);
    const failing = { allocateProducerId: async () => Promise.reject(new Error('db down')) };
    assert.equal((await initProducerId({ ...base, transactionalId: null }, failing)).errorCode, E.COORDINATOR_NOT_AVAILABLE);
  });

  it('transactional ids: epochs bump, stale producers are fenced, a lost response can be retried', async () => {
    const store = new MemoryTxnStore();
    const d = deps(store);
    const first = await initProducerId({ ...base, transactionalId: 't' }, d);
    assert.deepEqual(first, { errorCode: E.NONE, producerId: 100n, producerEpoch: 0 });
    const second = await initProducerId({ ...base, transactionalId: 't' }, d);
    assert.deepEqual(second, { errorCode: E.NONE, producerId: 100n, producerEpoch: 1 });
    // KIP-360: the current producer recovers by passing its id/epoch: bump.
    const recovered = await initProducerId({ ...base, transactionalId: 't', producerId: 100n, producerEpoch: 1 }, d);
    assert.deepEqual(recovered, { errorCode: E.NONE, producerId: 100n, producerEpoch: 2 });
    // Its response was lost: the retry with epoch 1 gets epoch 2 again, no bump.
    const retry = await initProducerId({ ...base, transactionalId: 't', producerId: 100n, producerEpoch: 1 }, d);
    assert.deepEqual(retry, { errorCode: E.NONE, producerId: 100n, producerEpoch: 2 });
    // An older incarnation is fenced.
    const zombie = await initProducerId({ ...base, transactionalId: 't', producerId: 100n, producerEpoch: 0 }, d);
    assert.equal(zombie.errorCode, E.PRODUCER_FENCED);
    const otherId = await initProducerId({ ...base, transactionalId: 't', producerId: 7n, producerEpoch: 2 }, d);
    assert.equal(otherId.errorCode, E.PRODUCER_FENCED);
  });

  it('an exhausted epoch rotates to a new producer id; a retry of that rotation is recognised', () => {
    const current: TransactionalProducerState = { producerId: 5n, producerEpoch: 32766, prevProducerId: -1n, lastProducerEpoch: 32765 };
    assert.deepEqual(planInitProducerId(current, { producerId: 5n, epoch: 32766 }), {
      kind: 'new_producer_id',
      prevProducerId: 5n,
      lastProducerEpoch: 32766,
    });
    assert.deepEqual(planInitProducerId(current, null), { kind: 'new_producer_id', prevProducerId: 5n, lastProducerEpoch: -1 });
    const rotated: TransactionalProducerState = { producerId: 9n, producerEpoch: 0, prevProducerId: 5n, lastProducerEpoch: 32766 };
    assert.deepEqual(planInitProducerId(rotated, { producerId: 5n, epoch: 32766 }), { kind: 'update', next: rotated });
  });

  it('bad timeouts, empty ids, missing transaction support and lost races', async () => {
    const store = new MemoryTxnStore();
    assert.equal((await initProducerId({ ...base, transactionalId: 't', transactionTimeoutMs: 0 }, deps(store))).errorCode, E.INVALID_TRANSACTION_TIMEOUT);
    assert.equal((await initProducerId({ ...base, transactionalId: 't', transactionTimeoutMs: 900_001 }, deps(store))).errorCode, E.INVALID_TRANSACTION_TIMEOUT);
    assert.equal((await initProducerId({ ...base, transactionalId: '' }, deps(store))).errorCode, E.INVALID_REQUEST);
    assert.equal((await initProducerId({ ...base, transactionalId: 't' }, deps())).errorCode, E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    store.loseNextRace = true;
    assert.equal((await initProducerId({ ...base, transactionalId: 't' }, deps(store))).errorCode, E.CONCURRENT_TRANSACTIONS);
  });
});
