import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GroupErrorCode as E } from '../../src/groups/errors.js';
import { harness, isSettled, joinInput, joinNew, stableTwo, sync } from './helpers.js';

describe('OffsetCommit validation', () => {
  it('standalone commits (generation -1, no member) are allowed for unknown and Empty groups', async () => {
    const h = harness();
    assert.equal(h.coordinator.validateOffsetCommit('simple', '', -1, null), E.NONE);
    const { a, b } = await stableTwo(h);
    h.coordinator.leave({ groupId: 'g', members: [{ memberId: a, groupInstanceId: null }, { memberId: b, groupInstanceId: null }] });
    assert.equal(h.coordinator.group('g')!.state, 'Empty');
    assert.equal(h.coordinator.validateOffsetCommit('g', '', -1, null), E.NONE);
    // The empty group id is accepted for commits, as Kafka does.
    assert.equal(h.coordinator.validateOffsetCommit('', '', -1, null), E.NONE);
  });

  it('a standalone commit into a group that has members is UNKNOWN_MEMBER_ID', async () => {
    const h = harness();
    await stableTwo(h);
    assert.equal(h.coordinator.validateOffsetCommit('g', '', -1, null), E.UNKNOWN_MEMBER_ID);
  });

  it('stale generations are ILLEGAL_GENERATION, unknown members UNKNOWN_MEMBER_ID, current ones NONE', async () => {
    const h = harness();
    const { a, generation } = await stableTwo(h);
    assert.equal(h.coordinator.validateOffsetCommit('g', a, generation, null), E.NONE);
    assert.equal(h.coordinator.validateOffsetCommit('g', a, generation - 1, null), E.ILLEGAL_GENERATION);
    assert.equal(h.coordinator.validateOffsetCommit('g', 'ghost', generation, null), E.UNKNOWN_MEMBER_ID);
    // A group we do not hold (e.g. after a restart) with a real generation: ILLEGAL_GENERATION.
    assert.equal(h.coordinator.validateOffsetCommit('lost', 'm', 5, null), E.ILLEGAL_GENERATION);
  });

  it('REBALANCE_IN_PROGRESS while CompletingRebalance; accepted while PreparingRebalance', async () => {
    const h = harness();
    const { a, b, generation } = await stableTwo(h);
    const ja = h.coordinator.join(joinInput({ memberId: a }));
    assert.equal(h.coordinator.group('g')!.state, 'PreparingRebalance');
    assert.equal(h.coordinator.validateOffsetCommit('g', b, generation, null), E.NONE);
    const jb = h.coordinator.join(joinInput({ memberId: b }));
    const [ra] = await Promise.all([ja, jb]);
    assert.equal(h.coordinator.group('g')!.state, 'CompletingRebalance');
    assert.equal(h.coordinator.validateOffsetCommit('g', b, ra.generationId, null), E.REBALANCE_IN_PROGRESS);
    assert.equal(h.coordinator.validateOffsetCommit('g', b, generation, null), E.ILLEGAL_GENERATION);
  });

  it('group ids over the size limit are INVALID_GROUP_ID', () => {
    const h = harness({ maxGroupIdBytes: 16 });
    assert.equal(h.coordinator.validateOffsetCommit('x'.repeat(17), '', -1, null), E.INVALID_GROUP_ID);
    assert.equal(h.coordinator.validateOffsetCommit('é'.repeat(9), '', -1, null), E.INVALID_GROUP_ID, '18 UTF-8 bytes');
    assert.equal(h.coordinator.validateOffsetCommit('é'.repeat(8), '', -1, null), E.NONE);
  });
});

describe('DescribeGroups / ListGroups / DeleteGroups', () => {
  it('describe: Stable groups show protocol, metadata and assignments; unknown groups are Dead', async () => {
    const h = harness();
    const { a, b } = await stableTwo(h);
    const [d, unknown] = await h.coordinator.describeGroups(['g', 'nope']);
    assert.equal(d.errorCode, E.NONE);
    assert.equal(d.state, 'Stable');
    assert.equal(d.protocolType, 'consumer');
    assert.equal(d.protocolData, 'range');
    assert.deepEqual(d.members.map((m) => [m.memberId, m.assignment.toString(), m.metadata.toString()]), [
      [a, 'a', 'meta:range'],
      [b, 'b', 'meta:range'],
    ]);
    assert.equal(d.members[0].clientId, 'client');
    assert.deepEqual(unknown, { errorCode: E.NONE, groupId: 'nope', state: 'Dead', protocolType: '', protocolData: '', members: [] });
    // While rebalancing: members listed, no protocol, no metadata.
    void h.coordinator.join(joinInput({ memberId: a }));
    const during = await h.coordinator.describeGroup('g');
    assert.equal(during.state, 'PreparingRebalance');
    assert.equal(during.protocolData, '');
    assert.equal(during.members.length, 2);
    assert.equal(during.members[0].assignment.length, 0);
  });

  it('describe: a group known only by its committed offsets is Empty', async () => {
    const h = harness();
    h.store.groups.add('offsets-only');
    const d = await h.coordinator.describeGroup('offsets-only');
    assert.equal(d.state, 'Empty');
    assert.equal(d.errorCode, E.NONE);
  });

  it('list: every group with its state, offsets-only groups as Empty; the filter is case-insensitive', async () => {
    const h = harness();
    await stableTwo(h);
    await h.coordinator.join(joinInput({ groupId: 'pending' })); // MEMBER_ID_REQUIRED: group exists, Empty
    h.store.groups.add('g'); // also has offsets: listed once
    h.store.groups.add('offsets-only');
    const all = await h.coordinator.listGroups();
    assert.equal(all.errorCode, E.NONE);
    assert.deepEqual(
      all.groups.map((g) => [g.groupId, g.state, g.protocolType]).sort(),
      [['g', 'Stable', 'consumer'], ['offsets-only', 'Empty', ''], ['pending', 'Empty', '']].sort(),
    );
    const empty = await h.coordinator.listGroups(['empty']);
    assert.deepEqual(empty.groups.map((g) => g.groupId).sort(), ['offsets-only', 'pending']);
    const stable = await h.coordinator.listGroups(['Stable', 'PreparingRebalance']);
    assert.deepEqual(stable.groups.map((g) => g.groupId), ['g']);
    assert.equal(stable.groups[0].groupType, 'classic');
    const none = await h.coordinator.listGroups(['Dead']);
    assert.deepEqual(none.groups, []);
  });

  it('list: a failing offset store is COORDINATOR_NOT_AVAILABLE', async () => {
    const h = harness();
    h.store.failNext = true;
    assert.equal((await h.coordinator.listGroups()).errorCode, E.COORDINATOR_NOT_AVAILABLE);
  });

  it('delete: NON_EMPTY_GROUP with members, GROUP_ID_NOT_FOUND when unknown, offsets-only and Empty groups are deleted with their offsets', async () => {
    const h = harness();
    const { a, b } = await stableTwo(h);
    h.store.groups.add('offsets-only');
    const res = await h.coordinator.deleteGroups(['g', 'nope', 'offsets-only', 'g']);
    assert.deepEqual(res, [
      { groupId: 'g', errorCode: E.NON_EMPTY_GROUP },
      { groupId: 'nope', errorCode: E.GROUP_ID_NOT_FOUND },
      { groupId: 'offsets-only', errorCode: E.NONE },
    ]);
    assert.deepEqual(h.store.deleted, ['offsets-only']);
    assert.equal((await h.coordinator.describeGroup('offsets-only')).state, 'Dead');

    h.coordinator.leave({ groupId: 'g', members: [{ memberId: a, groupInstanceId: null }, { memberId: b, groupInstanceId: null }] });
    assert.equal(h.coordinator.group('g')!.state, 'Empty');
    assert.deepEqual(await h.coordinator.deleteGroups(['g']), [{ groupId: 'g', errorCode: E.NONE }]);
    assert.equal(h.coordinator.group('g'), undefined);
    assert.deepEqual(h.store.deleted, ['offsets-only', 'g']);
    // The group can be used again from scratch.
    const again = await joinNew(h);
    h.clock.runDue();
    assert.equal((await again.result).generationId, 1);
  });

  it('delete: an offset store failure is COORDINATOR_NOT_AVAILABLE', async () => {
    const h = harness();
    h.store.groups.add('x');
    h.store.failNext = true;
    assert.deepEqual(await h.coordinator.deleteGroups(['x']), [{ groupId: 'x', errorCode: E.COORDINATOR_NOT_AVAILABLE }]);
  });

  it('delete: joins and commits for a group whose offsets are being deleted are told to retry', async () => {
    const h = harness();
    h.store.groups.add('x');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const original = h.store.deleteGroupOffsets.bind(h.store);
    h.store.deleteGroupOffsets = async (id: string) => {
      await gate;
      return original(id);
    };
    const del = h.coordinator.deleteGroups(['x']);
    await new Promise((r) => setImmediate(r));
    assert.equal(h.coordinator.validateOffsetCommit('x', '', -1, null), E.COORDINATOR_LOAD_IN_PROGRESS);
    assert.equal((await h.coordinator.join(joinInput({ groupId: 'x' }))).errorCode, E.COORDINATOR_LOAD_IN_PROGRESS);
    release();
    assert.deepEqual(await del, [{ groupId: 'x', errorCode: E.NONE }]);
    assert.equal(h.coordinator.validateOffsetCommit('x', '', -1, null), E.NONE);
  });

  it('Empty groups without pending members are dropped from memory after the retention time', async () => {
    const h = harness({ emptyGroupRetentionMs: 60_000 });
    const { a, b } = await stableTwo(h);
    h.coordinator.leave({ groupId: 'g', members: [{ memberId: a, groupInstanceId: null }, { memberId: b, groupInstanceId: null }] });
    assert.equal(h.coordinator.groupCount, 1);
    h.clock.advance(59_999);
    assert.equal(h.coordinator.groupCount, 1);
    h.clock.advance(1);
    assert.equal(h.coordinator.groupCount, 0);
    assert.equal(h.clock.pendingTimers(), 0);
  });

  it('a group created by a failed first JoinGroup does not leak', async () => {
    const h = harness({ emptyGroupRetentionMs: 1000 });
    await h.coordinator.join(joinInput({ groupId: 'bad', protocolType: '' }));
    assert.equal(h.coordinator.groupCount, 1);
    h.clock.advance(1000);
    assert.equal(h.coordinator.groupCount, 0);
  });
});

describe('bounds and shutdown', () => {
  it('a flood of 10k JoinGroups (v4+) from one client keeps the pending members bounded', async () => {
    const h = harness({ maxGroupSize: 50 });
    for (let i = 0; i < 10_000; i++) {
      const r = await h.coordinator.join(joinInput({ clientId: 'flood' }));
      assert.equal(r.errorCode, E.MEMBER_ID_REQUIRED);
    }
    const g = h.coordinator.group('g')!;
    assert.equal(g.pendingMemberCount, 50);
    assert.ok(h.clock.pendingTimers() <= 51, `${h.clock.pendingTimers()} timers`);
    h.clock.advance(10_000);
    assert.equal(g.pendingMemberCount, 0);
  });

  it('a flood of 10k old-version JoinGroups stops at group.max.size with GROUP_MAX_SIZE_REACHED', async () => {
    const h = harness({ maxGroupSize: 50, initialRebalanceDelayMs: 3000 });
    const joins = [];
    let rejected = 0;
    for (let i = 0; i < 10_000; i++) {
      const p = h.coordinator.join(joinInput({ clientId: 'flood', requireKnownMemberId: false }));
      if (await isSettled(p)) {
        assert.equal((await p).errorCode, E.GROUP_MAX_SIZE_REACHED);
        rejected++;
      } else joins.push(p);
    }
    assert.equal(joins.length, 50);
    assert.equal(rejected, 9_950);
    const g = h.coordinator.group('g')!;
    assert.equal(g.size, 50);
    assert.ok(h.clock.pendingTimers() <= 52, `${h.clock.pendingTimers()} timers`);
    h.clock.advance(30_000);
    const results = await Promise.all(joins);
    assert.ok(results.every((r) => r.errorCode === E.NONE && r.generationId === 1));
  });

  it('close answers pending JoinGroup/SyncGroup with NOT_COORDINATOR, clears every timer, and refuses new requests', async () => {
    const h = harness({ initialRebalanceDelayMs: 3000 });
    const j1 = await joinNew(h);
    const pendingJoin = j1.result;
    const other = harness();
    const two = await stableTwo(other);
    const waitingSync = (async () => {
      const ja = other.coordinator.join(joinInput({ memberId: two.a }));
      const jb = other.coordinator.join(joinInput({ memberId: two.b }));
      const [ra] = await Promise.all([ja, jb]);
      const follower = ra.memberId === two.a ? two.b : two.a;
      return sync(other, follower, ra.generationId);
    })();
    await new Promise((r) => setImmediate(r));
    assert.equal(await isSettled(pendingJoin), false);
    h.coordinator.close();
    other.coordinator.close();
    assert.equal((await pendingJoin).errorCode, E.NOT_COORDINATOR);
    assert.equal((await waitingSync).errorCode, E.NOT_COORDINATOR);
    assert.equal(h.clock.pendingTimers(), 0);
    assert.equal(other.clock.pendingTimers(), 0);
    assert.equal((await h.coordinator.join(joinInput())).errorCode, E.COORDINATOR_NOT_AVAILABLE);
    assert.equal(h.coordinator.heartbeat({ groupId: 'g', memberId: 'x', generationId: 1, groupInstanceId: null }), E.COORDINATOR_NOT_AVAILABLE);
    assert.equal((await h.coordinator.listGroups()).errorCode, E.COORDINATOR_NOT_AVAILABLE);
    assert.equal(h.coordinator.validateOffsetCommit('g', '', -1, null), E.COORDINATOR_NOT_AVAILABLE);
    assert.equal((await sync(h, 'x', 1)).errorCode, E.COORDINATOR_NOT_AVAILABLE);
  });
});
