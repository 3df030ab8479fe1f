import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GroupErrorCode as E } from '../../src/groups/errors.js';
import { SESSION_MS, harness, heartbeat, isSettled, joinInput, protocols, sync, type Harness } from './helpers.js';

/** A Stable group of two static members 'i1' (leader) and 'i2'. */
async function stableStatic(h: Harness, skip = false): Promise<{ m1: string; m2: string; generation: number }> {
  const p1 = h.coordinator.join(joinInput({ groupInstanceId: 'i1', supportSkippingAssignment: skip }));
  const p2 = h.coordinator.join(joinInput({ groupInstanceId: 'i2', supportSkippingAssignment: skip }));
  h.clock.advance(0);
  const [r1, r2] = await Promise.all([p1, p2]);
  // Static members never get MEMBER_ID_REQUIRED.
  assert.equal(r1.errorCode, E.NONE);
  assert.equal(r2.errorCode, E.NONE);
  assert.equal(r1.generationId, r2.generationId);
  const s1 = sync(h, r1.memberId, r1.generationId, [
    { memberId: r1.memberId, assignment: Buffer.from('p0') },
    { memberId: r2.memberId, assignment: Buffer.from('p1') },
  ], { groupInstanceId: 'i1' });
  const s2 = sync(h, r2.memberId, r2.generationId, [], { groupInstanceId: 'i2' });
  await Promise.all([s1, s2]);
  assert.equal(h.coordinator.group('g')!.state, 'Stable');
  return { m1: r1.memberId, m2: r2.memberId, generation: r1.generationId };
}

describe('static membership (KIP-345)', () => {
  it('a static member restarting within its session timeout gets its assignment back with no rebalance and no generation bump', async () => {
    const h = harness({ initialRebalanceDelayMs: 0 });
    const { m1, m2, generation } = await stableStatic(h);
    // i2 restarts: a new JoinGroup with an empty member id and the same instance id.
    h.clock.advance(SESSION_MS / 2);
    heartbeat(h, m1, generation, 'i1');
    const rejoin = await h.coordinator.join(joinInput({ groupInstanceId: 'i2' }));
    assert.equal(rejoin.errorCode, E.NONE);
    assert.notEqual(rejoin.memberId, m2, 'the member id is replaced');
    assert.equal(rejoin.generationId, generation, 'no generation bump');
    assert.equal(rejoin.leader, m1);
    assert.deepEqual(rejoin.members, []);
    const g = h.coordinator.group('g')!;
    assert.equal(g.state, 'Stable');
    assert.equal(g.generationId, generation);
    const s = await sync(h, rejoin.memberId, generation, [], { groupInstanceId: 'i2' });
    assert.equal(s.errorCode, E.NONE);
    assert.deepEqual(s.assignment, Buffer.from('p1'));
    // The old incarnation is fenced.
    assert.equal(heartbeat(h, m2, generation, 'i2'), E.FENCED_INSTANCE_ID);
    assert.equal((await sync(h, m2, generation, [], { groupInstanceId: 'i2' })).errorCode, E.FENCED_INSTANCE_ID);
    const oldJoin = await h.coordinator.join(joinInput({ memberId: m2, groupInstanceId: 'i2' }));
    assert.equal(oldJoin.errorCode, E.FENCED_INSTANCE_ID);
    assert.equal(h.coordinator.validateOffsetCommit('g', m2, generation, 'i2'), E.FENCED_INSTANCE_ID);
    assert.equal(h.coordinator.validateOffsetCommit('g', rejoin.memberId, generation, 'i2'), E.NONE);
  });

  it('a restarted static leader is told the OLD leader id (pre-v9) so it does not run an assignment', async () => {
    const h = harness();
    const { m1, generation } = await stableStatic(h);
    const rejoin = await h.coordinator.join(joinInput({ groupInstanceId: 'i1' }));
    assert.equal(rejoin.errorCode, E.NONE);
    assert.equal(rejoin.generationId, generation);
    assert.equal(rejoin.leader, m1, 'old leader id');
    assert.notEqual(rejoin.memberId, m1);
    assert.equal(rejoin.skipAssignment, false);
    assert.equal(h.coordinator.group('g')!.leaderId, rejoin.memberId, 'leadership moved to the new id');
    const s = await sync(h, rejoin.memberId, generation, [], { groupInstanceId: 'i1' });
    assert.deepEqual(s.assignment, Buffer.from('p0'));
  });

  it('JoinGroup v9: a restarted static leader gets itself as leader, the member list and SkipAssignment', async () => {
    const h = harness();
    await stableStatic(h, true);
    const rejoin = await h.coordinator.join(joinInput({ groupInstanceId: 'i1', supportSkippingAssignment: true }));
    assert.equal(rejoin.leader, rejoin.memberId);
    assert.equal(rejoin.skipAssignment, true);
    assert.equal(rejoin.members.length, 2);
    assert.equal(h.coordinator.group('g')!.state, 'Stable');
  });

  it('a static member rejoining with protocols that change the selected protocol triggers a rebalance', async () => {
    const h = harness();
    const { generation } = await stableStatic(h);
    void h.coordinator.join(joinInput({ groupInstanceId: 'i2', protocols: protocols('roundrobin', 'range') }));
    // 'range' is still the only common protocol: no rebalance.
    assert.equal(h.coordinator.group('g')!.state, 'Stable');
    const h2 = harness();
    const s2 = await stableStatic(h2);
    // Make both support roundrobin first: i1's rejoin changes nothing yet (i2 only has range) …
    const p1 = await h2.coordinator.join(joinInput({ groupInstanceId: 'i2', protocols: protocols('roundrobin', 'range') }));
    assert.equal(p1.generationId, s2.generation);
    // … then i1 prefers roundrobin too: the next generation's protocol would change → rebalance.
    void h2.coordinator.join(joinInput({ groupInstanceId: 'i1', protocols: protocols('roundrobin', 'range') }));
    assert.equal(h2.coordinator.group('g')!.state, 'PreparingRebalance');
    void generation;
  });

  it('a static member rejoining during CompletingRebalance starts a new rebalance', async () => {
    const h2 = harness({ initialRebalanceDelayMs: 5 });
    const a = h2.coordinator.join(joinInput({ groupInstanceId: 'i1' }));
    const b = h2.coordinator.join(joinInput({ groupInstanceId: 'i2' }));
    h2.clock.advance(10);
    const [ra, rb] = await Promise.all([a, b]);
    const follower = ra.leader === ra.memberId ? rb : ra;
    const followerInstance = follower === ra ? 'i1' : 'i2';
    const waiting = sync(h2, follower.memberId, follower.generationId, [], { groupInstanceId: followerInstance });
    assert.equal(await isSettled(waiting), false);
    const restarted = h2.coordinator.join(joinInput({ groupInstanceId: followerInstance }));
    // The old incarnation's pending SyncGroup is fenced; the group rebalances.
    assert.equal((await waiting).errorCode, E.FENCED_INSTANCE_ID);
    assert.equal(h2.coordinator.group('g')!.state, 'PreparingRebalance');
    void restarted;
  });

  it('a static member that does not rejoin in a rebalance is kept until its session times out', async () => {
    const h = harness();
    const { m1, m2, generation } = await stableStatic(h);
    const j1 = h.coordinator.join(joinInput({ memberId: m1, groupInstanceId: 'i1' })); // leader rejoin
    // i2 is down. The rebalance timeout (30 s) is longer than its session (10 s): it expires first.
    h.clock.advance(SESSION_MS);
    assert.equal(h.coordinator.group('g')!.hasMember(m2), false);
    const r = await j1;
    assert.equal(r.generationId, generation + 1);
    assert.deepEqual(r.members.map((m) => m.memberId), [m1]);
  });

  it('an unknown group.instance.id with a member id is UNKNOWN_MEMBER_ID', async () => {
    const h = harness();
    const { m1, generation } = await stableStatic(h);
    assert.equal(heartbeat(h, m1, generation, 'i9'), E.UNKNOWN_MEMBER_ID);
  });

  it('LeaveGroup v3+: a batch by member id and by instance id, with per-member errors', async () => {
    const h = harness();
    const { m1, m2 } = await stableStatic(h);
    const res = h.coordinator.leave({
      groupId: 'g',
      members: [
        { memberId: '', groupInstanceId: 'i2' }, // admin removal by instance id
        { memberId: 'nobody', groupInstanceId: null },
        { memberId: 'wrong', groupInstanceId: 'i1' }, // fenced
        { memberId: '', groupInstanceId: 'i7' },
      ],
    });
    assert.equal(res.errorCode, E.NONE);
    assert.deepEqual(res.members.map((m) => m.errorCode), [E.NONE, E.UNKNOWN_MEMBER_ID, E.FENCED_INSTANCE_ID, E.UNKNOWN_MEMBER_ID]);
    assert.deepEqual(res.members.map((m) => [m.memberId, m.groupInstanceId]), [['', 'i2'], ['nobody', null], ['wrong', 'i1'], ['', 'i7']]);
    const g = h.coordinator.group('g')!;
    assert.equal(g.hasMember(m2), false);
    assert.equal(g.hasMember(m1), true);
    assert.equal(g.state, 'PreparingRebalance');
    const unknownGroup = h.coordinator.leave({ groupId: 'nope', members: [{ memberId: 'x', groupInstanceId: null }] });
    assert.deepEqual(unknownGroup, { errorCode: E.NONE, members: [{ memberId: 'x', groupInstanceId: null, errorCode: E.UNKNOWN_MEMBER_ID }] });
  });
});
