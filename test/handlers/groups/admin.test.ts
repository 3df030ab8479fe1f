// FindCoordinator, DescribeGroups, ListGroups, DeleteGroups and InitProducerId handlers, every
// version through the generated codecs; and the groupHandlers list for the registry.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode as E } from '../../../protocol/generated/error-codes.js';
import { deleteGroupsHandler } from '../../../src/handlers/delete-groups.js';
import { describeGroupsHandler } from '../../../src/handlers/describe-groups.js';
import { findCoordinatorHandler } from '../../../src/handlers/find-coordinator.js';
import { groupHandlers } from '../../../src/handlers/group-handlers.js';
import { initProducerIdHandler } from '../../../src/handlers/init-producer-id.js';
import { joinGroupHandler } from '../../../src/handlers/join-group.js';
import { listGroupsHandler } from '../../../src/handlers/list-groups.js';
import { syncGroupHandler } from '../../../src/handlers/sync-group.js';
import { DeleteGroups, DescribeGroups, FindCoordinator, InitProducerId, JoinGroup, ListGroups, SyncGroup, subscription } from './codecs.js';
import { openHarness, versions, type Harness } from './harness.js';

const INT32_MIN = -2_147_483_648;
/** READ | DELETE | DESCRIBE. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

describe('group admin and producer id handlers', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
    h.topics.set('t', 2);
  });
  after(async () => {
    await h.close();
  });

  /** A Stable group: a dynamic leader and a static follower 'inst-2', assignments 'a' and 'b'. */
  async function stableTwo(groupId: string): Promise<{ leader: string; follower: string }> {
    const join = (memberId: string, groupInstanceId: string | null) =>
      h.call(JoinGroup, joinGroupHandler, {
        groupId,
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 30_000,
        memberId,
        groupInstanceId,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: subscription(['t']) }],
      }, 9);
    const first = await join('', null);
    assert.equal(first.errorCode, E.MEMBER_ID_REQUIRED);
    const p1 = join(first.memberId, null);
    const p2 = join('', 'inst-2');
    h.clock.runDue();
    const [j1, j2] = await Promise.all([p1, p2]);
    const leader = j1.leader === j1.memberId ? j1 : j2;
    const follower = leader === j1 ? j2 : j1;
    const sync = (memberId: string, groupInstanceId: string | null, assignments: { memberId: string; assignment: Buffer }[]) =>
      h.call(SyncGroup, syncGroupHandler, { groupId, generationId: j1.generationId, memberId, groupInstanceId, protocolType: 'consumer', protocolName: 'range', assignments }, 5);
    const [s1, s2] = await Promise.all([
      sync(leader.memberId, leader === j2 ? 'inst-2' : null, [
        { memberId: leader.memberId, assignment: Buffer.from('a') },
        { memberId: follower.memberId, assignment: Buffer.from('b') },
      ]),
      sync(follower.memberId, follower === j2 ? 'inst-2' : null, []),
    ]);
    assert.equal(s1.errorCode, E.NONE);
    assert.equal(s2.errorCode, E.NONE);
    assert.equal(h.coordinator.group(groupId)?.state, 'Stable');
    return { leader: leader.memberId, follower: follower.memberId };
  }

  describe('FindCoordinator', () => {
    for (const v of versions(findCoordinatorHandler)) {
      it(`v${v}: this node for groups${v >= 1 ? ' and transactional ids' : ''}; other key types are INVALID_REQUEST`, async () => {
        if (v >= 4) {
          const r = await h.call(FindCoordinator, findCoordinatorHandler, { keyType: 0, coordinatorKeys: ['g1', 'g2', ''] }, v);
          assert.deepEqual(r.coordinators.map((c) => [c.key, c.nodeId, c.host, c.port, c.errorCode, c.errorMessage]), [
            ['g1', 7, 'broker.test', 19092, E.NONE, null],
            ['g2', 7, 'broker.test', 19092, E.NONE, null],
            ['', 7, 'broker.test', 19092, E.NONE, null],
          ]);
          const tx = await h.call(FindCoordinator, findCoordinatorHandler, { keyType: 1, coordinatorKeys: ['tx-1'] }, v);
          assert.deepEqual(tx.coordinators.map((c) => [c.key, c.nodeId, c.errorCode]), [['tx-1', 7, E.NONE]]);
          const share = await h.call(FindCoordinator, findCoordinatorHandler, { keyType: 2, coordinatorKeys: ['s1'] }, v);
          assert.deepEqual(share.coordinators.map((c) => [c.key, c.nodeId, c.host, c.port, c.errorCode]), [['s1', -1, '', -1, E.INVALID_REQUEST]]);
          assert.equal(typeof share.coordinators[0].errorMessage, 'string');
          const none = await h.call(FindCoordinator, findCoordinatorHandler, { keyType: 0, coordinatorKeys: [] }, v);
          assert.deepEqual(none.coordinators, []);
          return;
        }
        const r = await h.call(FindCoordinator, findCoordinatorHandler, { key: 'g1', ...(v >= 1 ? { keyType: 0 } : {}) }, v);
        assert.deepEqual([r.errorCode, r.nodeId, r.host, r.port], [E.NONE, 7, 'broker.test', 19092]);
        if (v >= 1) assert.equal(r.errorMessage, null);
        if (v >= 1) {
          const tx = await h.call(FindCoordinator, findCoordinatorHandler, { key: 'tx-1', keyType: 1 }, v);
          assert.deepEqual([tx.errorCode, tx.nodeId], [E.NONE, 7]);
          const bad = await h.call(FindCoordinator, findCoordinatorHandler, { key: 'x', keyType: 5 }, v);
          assert.deepEqual([bad.errorCode, bad.nodeId, bad.host, bad.port], [E.INVALID_REQUEST, -1, '', -1]);
          assert.match(bad.errorMessage ?? '', /key type 5/);
        }
      });
    }
  });

  describe('DescribeGroups', () => {
    const g = 'described';
    let members: { leader: string; follower: string };
    before(async () => {
      members = await stableTwo(g);
      await h.metadata.commitOffsets('offsets-only', [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' }]);
    });

    for (const v of versions(describeGroupsHandler)) {
      it(`v${v}: a Stable group with members${v >= 4 ? ' and instance ids' : ''}, an offsets-only group (Empty), an unknown group (Dead)`, async () => {
        for (const include of v >= 3 ? [false, true] : [false]) {
          const r = await h.call(DescribeGroups, describeGroupsHandler, { groups: [g, 'offsets-only', 'unknown'], ...(v >= 3 ? { includeAuthorizedOperations: include } : {}) }, v);
          const [stable, offsetsOnly, unknown] = r.groups;
          assert.deepEqual([stable.errorCode, stable.groupId, stable.groupState, stable.protocolType, stable.protocolData], [E.NONE, g, 'Stable', 'consumer', 'range']);
          const rows = stable.members
            .map((m) => [m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.memberMetadata.toString('hex'), m.memberAssignment.toString()])
            .sort();
          assert.deepEqual(rows, [
            [members.leader, null, 'test-client', '/127.0.0.1', subscription(['t']).toString('hex'), 'a'],
            [members.follower, v >= 4 ? 'inst-2' : null, 'test-client', '/127.0.0.1', subscription(['t']).toString('hex'), 'b'],
          ].sort());
          assert.equal(stable.authorizedOperations, v >= 3 && include ? GROUP_OPERATIONS : INT32_MIN);
          assert.deepEqual([offsetsOnly.errorCode, offsetsOnly.groupState, offsetsOnly.members], [E.NONE, 'Empty', []]);
          assert.deepEqual([unknown.errorCode, unknown.groupState, unknown.members], [E.NONE, 'Dead', []]);
        }
      });
    }
  });

  describe('ListGroups', () => {
    before(async () => {
      await stableTwo('listed-stable');
      await h.metadata.commitOffsets('listed-offsets', [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' }]);
    });

    for (const v of versions(listGroupsHandler)) {
      it(`v${v}: every group${v >= 4 ? ' with its state, the states filter' : ''}${v >= 5 ? ', the types filter' : ''}`, async () => {
        const list = async (extra: { statesFilter?: string[]; typesFilter?: string[] } = {}) => {
          const r = await h.call(ListGroups, listGroupsHandler, extra, v);
          assert.equal(r.errorCode, E.NONE);
          return new Map(r.groups.map((x) => [x.groupId, [x.protocolType, x.groupState, x.groupType]]));
        };
        const all = await list();
        assert.deepEqual(all.get('listed-stable'), ['consumer', v >= 4 ? 'Stable' : '', v >= 5 ? 'classic' : '']);
        assert.deepEqual(all.get('listed-offsets'), ['', v >= 4 ? 'Empty' : '', v >= 5 ? 'classic' : '']);
        if (v >= 4) {
          const stable = await list({ statesFilter: ['Stable'] });
          assert.ok(stable.has('listed-stable'));
          assert.ok(!stable.has('listed-offsets'));
          const empty = await list({ statesFilter: ['empty'] });
          assert.ok(empty.has('listed-offsets'));
          assert.ok(!empty.has('listed-stable'));
          assert.equal((await list({ statesFilter: ['Dead'] })).size, 0);
        }
        if (v >= 5) {
          assert.equal((await list({ typesFilter: ['consumer'] })).size, 0, 'no KIP-848 groups here');
          const classic = await list({ typesFilter: ['Classic'] });
          assert.ok(classic.has('listed-stable') && classic.has('listed-offsets'));
        }
      });
    }
  });

  describe('DeleteGroups', () => {
    for (const v of versions(deleteGroupsHandler)) {
      it(`v${v}: NON_EMPTY_GROUP with members, GROUP_ID_NOT_FOUND when unknown, an offsets-only group deleted with its offsets`, async () => {
        const busy = `busy-v${v}`;
        const idle = `idle-v${v}`;
        await stableTwo(busy);
        await h.metadata.commitOffsets(idle, [{ topic: 't', partition: 1, offset: 3n, leaderEpoch: -1, metadata: 'x' }]);
        const r = await h.call(DeleteGroups, deleteGroupsHandler, { groupsNames: [busy, idle, 'ghost', idle] }, v);
        assert.deepEqual(r.results.map((x) => [x.groupId, x.errorCode]), [
          [busy, E.NON_EMPTY_GROUP],
          [idle, E.NONE],
          ['ghost', E.GROUP_ID_NOT_FOUND],
        ]);
        assert.deepEqual(await h.metadata.fetchOffsets(idle), []);
        assert.equal(h.coordinator.group(busy)?.state, 'Stable');
      });
    }
  });

  describe('InitProducerId', () => {
    it('every version: an idempotent producer gets a fresh producer id at epoch 0, unique across calls', async () => {
      const ids = new Set<bigint>();
      for (const v of versions(initProducerIdHandler)) {
        for (let i = 0; i < 3; i++) {
          const r = await h.call(InitProducerId, initProducerIdHandler, { transactionalId: null, transactionTimeoutMs: 60_000 }, v);
          assert.equal(r.errorCode, E.NONE);
          assert.equal(r.producerEpoch, 0);
          assert.ok(r.producerId >= 0n);
          assert.ok(!ids.has(r.producerId), `v${v}: producer id ${r.producerId} handed out twice`);
          ids.add(r.producerId);
        }
      }
    });

    it('v3+: a retry with the current producer id/epoch (KIP-360) is answered as Kafka does for idempotent producers: a new id at epoch 0', async () => {
      for (const v of versions(initProducerIdHandler).filter((x) => x >= 3)) {
        const first = await h.call(InitProducerId, initProducerIdHandler, { transactionalId: null, transactionTimeoutMs: 60_000 }, v);
        const retry = await h.call(InitProducerId, initProducerIdHandler, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: first.producerId, producerEpoch: 4 }, v);
        assert.equal(retry.errorCode, E.NONE);
        assert.equal(retry.producerEpoch, 0);
        assert.ok(retry.producerId > first.producerId);
      }
    });

    it('v3+: only one of producer id / epoch given is INVALID_REQUEST', async () => {
      for (const v of versions(initProducerIdHandler).filter((x) => x >= 3)) {
        for (const pair of [{ producerId: 5n, producerEpoch: -1 }, { producerId: -1n, producerEpoch: 2 }]) {
          const r = await h.call(InitProducerId, initProducerIdHandler, { transactionalId: null, transactionTimeoutMs: 60_000, ...pair }, v);
          assert.deepEqual([r.errorCode, r.producerId, r.producerEpoch], [E.INVALID_REQUEST, -1n, -1]);
        }
      }
    });

    it('every version: transactional ids are refused (transactions are not supported): TRANSACTIONAL_ID_AUTHORIZATION_FAILED', async () => {
      for (const v of versions(initProducerIdHandler)) {
        const r = await h.call(InitProducerId, initProducerIdHandler, { transactionalId: 'tx-app', transactionTimeoutMs: 60_000 }, v);
        assert.deepEqual([r.errorCode, r.producerId, r.producerEpoch], [E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, -1n, -1]);
        const empty = await h.call(InitProducerId, initProducerIdHandler, { transactionalId: '', transactionTimeoutMs: 60_000 }, v);
        assert.equal(empty.errorCode, E.INVALID_REQUEST);
        const badTimeout = await h.call(InitProducerId, initProducerIdHandler, { transactionalId: 'tx-app', transactionTimeoutMs: 0 }, v);
        assert.equal(badTimeout.errorCode, E.INVALID_TRANSACTION_TIMEOUT);
      }
    });
  });

  it('groupHandlers: one handler per api key, with the version ranges served', () => {
    const ranges = groupHandlers.map((x) => [x.apiKey, x.minVersion, x.maxVersion]);
    assert.deepEqual(ranges, [
      [ApiKey.OffsetCommit, 0, 9],
      [ApiKey.OffsetFetch, 0, 9],
      [ApiKey.FindCoordinator, 0, 6],
      [ApiKey.JoinGroup, 0, 9],
      [ApiKey.Heartbeat, 0, 4],
      [ApiKey.LeaveGroup, 0, 5],
      [ApiKey.SyncGroup, 0, 5],
      [ApiKey.DescribeGroups, 0, 5],
      [ApiKey.ListGroups, 0, 5],
      [ApiKey.InitProducerId, 0, 5],
      [ApiKey.DeleteGroups, 0, 2],
      [ApiKey.OffsetDelete, 0, 0],
    ]);
  });
});
