import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GroupErrorCode as E } from '../../src/groups/errors.js';
import {
  REBALANCE_MS,
  SESSION_MS,
  harness,
  heartbeat,
  isSettled,
  joinInput,
  joinNew,
  protocols,
  stableTwo,
  sync,
} from './helpers.js';

describe('JoinGroup / SyncGroup: two members', () => {
  it('MEMBER_ID_REQUIRED round trip (KIP-394): the id comes back with the error and is accepted on rejoin', async () => {
    const h = harness();
    const first = await h.coordinator.join(joinInput({ clientId: 'c1' }));
    assert.equal(first.errorCode, E.MEMBER_ID_REQUIRED);
    assert.match(first.memberId, /^c1-/);
    assert.equal(first.generationId, -1);
    assert.equal(h.coordinator.group('g')!.pendingMemberCount, 1);
    assert.equal(h.coordinator.group('g')!.size, 0);

    const second = h.coordinator.join(joinInput({ clientId: 'c1', memberId: first.memberId }));
    h.clock.runDue();
    const r = await second;
    assert.equal(r.errorCode, E.NONE);
    assert.equal(r.memberId, first.memberId);
    assert.equal(r.generationId, 1);
    assert.equal(r.leader, first.memberId);
    assert.equal(r.protocolType, 'consumer');
    assert.equal(r.protocolName, 'range');
    assert.deepEqual(r.members.map((m) => m.memberId), [first.memberId]);
    assert.deepEqual(r.members[0].metadata, Buffer.from('meta:range'));
    assert.equal(h.coordinator.group('g')!.pendingMemberCount, 0);
  });

  it('v0–3 joins (requireKnownMemberId false) are added directly', async () => {
    const h = harness();
    const p = h.coordinator.join(joinInput({ requireKnownMemberId: false }));
    h.clock.runDue();
    const r = await p;
    assert.equal(r.errorCode, E.NONE);
    assert.equal(r.generationId, 1);
  });

  it('an unknown member id for an unknown group is UNKNOWN_MEMBER_ID (no group is created)', async () => {
    const h = harness();
    const r = await h.coordinator.join(joinInput({ memberId: 'ghost' }));
    assert.equal(r.errorCode, E.UNKNOWN_MEMBER_ID);
    assert.equal(h.coordinator.group('g'), undefined);
  });

  it('two members split, the follower sync waits for the leader, and each gets its own assignment', async () => {
    const h = harness();
    const { a, b, generation } = await stableTwo(h);
    assert.equal(generation, 2);
    assert.equal(h.coordinator.group('g')!.state, 'Stable');
    // A Stable group answers SyncGroup at once with the stored assignment.
    const again = await sync(h, b, generation);
    assert.equal(again.errorCode, E.NONE);
    assert.deepEqual(again.assignment, Buffer.from('b'));
    assert.equal(again.protocolType, 'consumer');
    assert.equal(again.protocolName, 'range');
    assert.equal(heartbeat(h, a, generation), E.NONE);
    assert.equal(heartbeat(h, b, generation), E.NONE);
  });

  it('the follower SyncGroup stays pending until the leader sends the assignment', async () => {
    const h = harness({ initialRebalanceDelayMs: 100 });
    const a = await joinNew(h);
    const b = await joinNew(h);
    h.clock.advance(100); // B arrived during the delay: it is re-armed once
    assert.equal(await isSettled(a.result), false);
    h.clock.advance(100);
    const [ja, jb] = await Promise.all([a.result, b.result]);
    assert.equal(ja.generationId, 1);
    assert.equal(jb.generationId, 1);
    assert.equal(ja.leader, a.memberId);
    assert.equal(jb.leader, a.memberId);
    assert.equal(ja.members.length, 2, 'the leader gets every member');
    assert.equal(jb.members.length, 0, 'followers get no member list');

    const followerSync = sync(h, b.memberId, 1);
    assert.equal(await isSettled(followerSync), false);
    assert.equal(h.coordinator.group('g')!.state, 'CompletingRebalance');
    // Leader assigns only to itself: B must still get a valid, empty assignment.
    const leaderSync = await sync(h, a.memberId, 1, [{ memberId: a.memberId, assignment: Buffer.from('all') }]);
    assert.deepEqual(leaderSync.assignment, Buffer.from('all'));
    const fr = await followerSync;
    assert.equal(fr.errorCode, E.NONE);
    assert.ok(Buffer.isBuffer(fr.assignment));
    assert.equal(fr.assignment.length, 0);
    assert.equal(h.coordinator.group('g')!.state, 'Stable');
  });

  it('a member leaving triggers a rebalance; the remaining one rejoins alone; the leaver can rejoin later', async () => {
    const h = harness();
    const { a, b, generation } = await stableTwo(h);
    const left = h.coordinator.leave({ groupId: 'g', members: [{ memberId: b, groupInstanceId: null }] });
    assert.deepEqual(left, { errorCode: E.NONE, members: [{ memberId: b, groupInstanceId: null, errorCode: E.NONE }] });
    assert.equal(h.coordinator.group('g')!.state, 'PreparingRebalance');
    assert.equal(heartbeat(h, a, generation), E.REBALANCE_IN_PROGRESS);
    assert.equal(heartbeat(h, b, generation), E.UNKNOWN_MEMBER_ID);
    const rejoin = await h.coordinator.join(joinInput({ memberId: a }));
    assert.equal(rejoin.generationId, generation + 1);
    assert.equal(rejoin.leader, a);
    assert.deepEqual(rejoin.members.map((m) => m.memberId), [a]);
    await sync(h, a, rejoin.generationId, [{ memberId: a, assignment: Buffer.from('ab') }]);

    // B comes back as a new member.
    const b2 = await joinNew(h);
    assert.notEqual(b2.memberId, b);
    assert.equal(heartbeat(h, a, rejoin.generationId), E.REBALANCE_IN_PROGRESS);
    const [ja, jb] = await Promise.all([h.coordinator.join(joinInput({ memberId: a })), b2.result]);
    assert.equal(ja.generationId, generation + 2);
    assert.equal(jb.generationId, generation + 2);
    assert.equal(ja.members.length, 2);
  });

  it('the last member leaving makes the group Empty with a new generation', async () => {
    const h = harness();
    const { a, b, generation } = await stableTwo(h);
    h.coordinator.leave({ groupId: 'g', members: [{ memberId: a, groupInstanceId: null }, { memberId: b, groupInstanceId: null }] });
    const g = h.coordinator.group('g')!;
    assert.equal(g.state, 'Empty');
    assert.equal(g.generationId, generation + 1);
    assert.equal(g.protocolName, null);
  });

  it('protocol selection: the protocol every member supports with the most first-choice votes', async () => {
    const h = harness({ initialRebalanceDelayMs: 10 });
    const m1 = await joinNew(h, { protocols: protocols('range', 'roundrobin', 'sticky') });
    const m2 = await joinNew(h, { protocols: protocols('roundrobin', 'range') });
    const m3 = await joinNew(h, { protocols: protocols('roundrobin', 'range') });
    h.clock.advance(20);
    const [r1, r2, r3] = await Promise.all([m1.result, m2.result, m3.result]);
    for (const r of [r1, r2, r3]) assert.equal(r.protocolName, 'roundrobin');
    // 'sticky' is not supported by everyone, so it is never a candidate; the leader gets the
    // metadata for the chosen protocol.
    assert.deepEqual(r1.members.map((m) => m.metadata.toString()), ['meta:roundrobin', 'meta:roundrobin', 'meta:roundrobin']);
  });

  it('protocol selection ties are broken by the leader\'s preference', async () => {
    const h = harness({ initialRebalanceDelayMs: 10 });
    const m1 = await joinNew(h, { protocols: protocols('b', 'a') });
    const m2 = await joinNew(h, { protocols: protocols('a', 'b') });
    h.clock.advance(20);
    const [r1] = await Promise.all([m1.result, m2.result]);
    assert.equal(r1.protocolName, 'b');
  });

  it('INCONSISTENT_GROUP_PROTOCOL: no common protocol, another protocol type, or an empty one', async () => {
    const h = harness();
    const a = await joinNew(h, { protocols: protocols('range') });
    h.clock.runDue();
    await a.result;
    const r1 = await h.coordinator.join(joinInput({ protocols: protocols('roundrobin') }));
    assert.equal(r1.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
    const r2 = await h.coordinator.join(joinInput({ protocolType: 'connect' }));
    assert.equal(r2.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
    const r3 = await h.coordinator.join(joinInput({ groupId: 'other', protocolType: '' }));
    assert.equal(r3.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
    const r4 = await h.coordinator.join(joinInput({ groupId: 'other', protocols: [] }));
    assert.equal(r4.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('SyncGroup v5: a protocol type or name that does not match the group is INCONSISTENT_GROUP_PROTOCOL', async () => {
    const h = harness();
    const { a, generation } = await stableTwo(h);
    assert.equal((await sync(h, a, generation, [], { protocolType: 'connect' })).errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal((await sync(h, a, generation, [], { protocolName: 'roundrobin' })).errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal((await sync(h, a, generation, [], { protocolType: 'consumer', protocolName: 'range' })).errorCode, E.NONE);
  });

  it('SyncGroup with a stale generation is ILLEGAL_GENERATION; during PreparingRebalance REBALANCE_IN_PROGRESS', async () => {
    const h = harness();
    const { a, generation } = await stableTwo(h);
    assert.equal((await sync(h, a, generation - 1)).errorCode, E.ILLEGAL_GENERATION);
    h.coordinator.join(joinInput({ memberId: a })); // leader rejoin → rebalance
    assert.equal((await sync(h, a, generation)).errorCode, E.REBALANCE_IN_PROGRESS);
    assert.equal((await sync(h, 'nobody', generation)).errorCode, E.UNKNOWN_MEMBER_ID);
  });

  it('leader election: the leader that does not rejoin in time is replaced by a member that did', async () => {
    const h = harness();
    const { a, b, generation } = await stableTwo(h);
    // B (follower) changes its metadata → rebalance; A never rejoins.
    const jb = h.coordinator.join(joinInput({ memberId: b, protocols: [{ name: 'range', metadata: Buffer.from('v2') }] }));
    assert.equal(await isSettled(jb), false);
    h.clock.advance(SESSION_MS - 1);
    heartbeat(h, a, generation); // A is alive, but does not rejoin
    h.clock.advance(REBALANCE_MS - SESSION_MS + 1);
    const r = await jb;
    assert.equal(r.errorCode, E.NONE);
    assert.equal(r.leader, b);
    assert.equal(r.generationId, generation + 1);
    assert.deepEqual(r.members.map((m) => m.memberId), [b]);
    assert.equal(h.coordinator.group('g')!.hasMember(a), false, 'A was dropped by the rebalance timeout');
    assert.equal(heartbeat(h, a, generation), E.UNKNOWN_MEMBER_ID);
  });

  it('cooperative rebalancing: a Stable follower rejoining with changed metadata rebalances; with the same metadata it does not', async () => {
    const h = harness();
    const { a, b, generation } = await stableTwo(h);
    const same = await h.coordinator.join(joinInput({ memberId: b }));
    assert.equal(same.errorCode, E.NONE);
    assert.equal(same.generationId, generation);
    assert.equal(same.leader, a);
    assert.equal(h.coordinator.group('g')!.state, 'Stable');

    // Cooperative-sticky: after revoking, B's subscription carries different owned partitions.
    const owned = Buffer.from('subscription+owned=[]');
    const jb = h.coordinator.join(joinInput({ memberId: b, protocols: [{ name: 'range', metadata: owned }] }));
    assert.equal(h.coordinator.group('g')!.state, 'PreparingRebalance');
    const ja = h.coordinator.join(joinInput({ memberId: a }));
    const [ra, rb] = await Promise.all([ja, jb]);
    assert.equal(ra.generationId, generation + 1);
    assert.equal(rb.generationId, generation + 1);
    // The leader sees the new metadata byte for byte.
    assert.deepEqual(ra.members.find((m) => m.memberId === b)!.metadata, owned);
  });

  it('the leader rejoining a Stable group always rebalances', async () => {
    const h = harness();
    const { a } = await stableTwo(h);
    void h.coordinator.join(joinInput({ memberId: a }));
    assert.equal(h.coordinator.group('g')!.state, 'PreparingRebalance');
  });

  it('a retried JoinGroup supersedes the earlier one, which is told REBALANCE_IN_PROGRESS', async () => {
    const h = harness();
    const { a, b } = await stableTwo(h);
    const first = h.coordinator.join(joinInput({ memberId: a }));
    const second = h.coordinator.join(joinInput({ memberId: a }));
    assert.equal((await first).errorCode, E.REBALANCE_IN_PROGRESS);
    assert.equal(await isSettled(second), false);
    const rb = h.coordinator.join(joinInput({ memberId: b }));
    assert.equal((await second).errorCode, E.NONE);
    assert.equal((await rb).errorCode, E.NONE);
  });

  it('a member rejoining during CompletingRebalance with the same metadata gets the current generation again', async () => {
    const h = harness();
    const a = await joinNew(h);
    h.clock.runDue();
    const r1 = await a.result;
    const r2 = await h.coordinator.join(joinInput({ memberId: a.memberId }));
    assert.equal(r2.generationId, r1.generationId);
    assert.equal(r2.members.length, 1, 'the leader gets the member list again');
    assert.equal(h.coordinator.group('g')!.state, 'CompletingRebalance');
  });

  it('stored metadata is a copy, not a view into the request frame', async () => {
    const h = harness();
    const frame = Buffer.from('XXmeta-bytesYY');
    const metadata = frame.subarray(2, 12);
    const first = await h.coordinator.join(joinInput());
    const p = h.coordinator.join(joinInput({ memberId: first.memberId, protocols: [{ name: 'range', metadata }] }));
    h.clock.runDue();
    frame.fill(0);
    const r = await p;
    assert.equal(r.members[0].metadata.toString(), 'meta-bytes');
  });
});

describe('Heartbeat and timeouts', () => {
  it('heartbeats for unknown groups are UNKNOWN_MEMBER_ID; an empty group id is INVALID_GROUP_ID', () => {
    const h = harness();
    assert.equal(heartbeat(h, 'm', 1, null, 'nope'), E.UNKNOWN_MEMBER_ID);
    assert.equal(heartbeat(h, 'm', 1, null, ''), E.INVALID_GROUP_ID);
  });

  it('heartbeat with a stale generation is ILLEGAL_GENERATION; from a non-member UNKNOWN_MEMBER_ID', async () => {
    const h = harness();
    const { a, generation } = await stableTwo(h);
    assert.equal(heartbeat(h, a, generation - 1), E.ILLEGAL_GENERATION);
    assert.equal(heartbeat(h, 'zzz', generation), E.UNKNOWN_MEMBER_ID);
  });

  it('INVALID_SESSION_TIMEOUT outside [min, max]', async () => {
    const h = harness({ minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 60_000 });
    assert.equal((await h.coordinator.join(joinInput({ sessionTimeoutMs: 5999 }))).errorCode, E.INVALID_SESSION_TIMEOUT);
    assert.equal((await h.coordinator.join(joinInput({ sessionTimeoutMs: 60_001 }))).errorCode, E.INVALID_SESSION_TIMEOUT);
  });

  it('session expiry: a member without heartbeats is removed and a rebalance starts', async () => {
    const h = harness();
    const { a, b, generation } = await stableTwo(h);
    for (let t = 0; t < SESSION_MS; t += 3000) {
      h.clock.advance(3000);
      if (h.coordinator.group('g')!.state === 'Stable') assert.equal(heartbeat(h, a, generation), E.NONE);
    }
    const g = h.coordinator.group('g')!;
    assert.equal(g.hasMember(b), false);
    assert.equal(g.state, 'PreparingRebalance');
    assert.equal(heartbeat(h, a, generation), E.REBALANCE_IN_PROGRESS);
    const r = await h.coordinator.join(joinInput({ memberId: a }));
    assert.equal(r.generationId, generation + 1);
    assert.deepEqual(r.members.map((m) => m.memberId), [a]);
  });

  it('rebalance timeout: members that do not rejoin in time are removed', async () => {
    const h = harness();
    const { a, b, generation } = await stableTwo(h);
    const ja = h.coordinator.join(joinInput({ memberId: a }));
    // B keeps heartbeating (so its session never expires) but never rejoins.
    for (let t = 0; t < REBALANCE_MS - 1000; t += 1000) {
      h.clock.advance(1000);
      if (t % 3000 === 0) assert.equal(heartbeat(h, b, generation), E.REBALANCE_IN_PROGRESS);
    }
    assert.equal(await isSettled(ja), false);
    h.clock.advance(1000);
    const r = await ja;
    assert.equal(r.generationId, generation + 1);
    assert.deepEqual(r.members.map((m) => m.memberId), [a]);
    assert.equal(heartbeat(h, b, generation), E.UNKNOWN_MEMBER_ID);
  });

  it('a member that never sends SyncGroup is removed after the rebalance timeout and the group rebalances', async () => {
    const h = harness({ initialRebalanceDelayMs: 5 });
    const a = await joinNew(h);
    const b = await joinNew(h);
    h.clock.advance(10);
    await Promise.all([a.result, b.result]);
    await sync(h, a.memberId, 1, [{ memberId: a.memberId, assignment: Buffer.from('a') }]);
    assert.equal(h.coordinator.group('g')!.state, 'Stable');
    for (let t = 0; t < REBALANCE_MS; t += 3000) {
      h.clock.advance(3000);
      heartbeat(h, a.memberId, 1);
      heartbeat(h, b.memberId, 1); // alive, but never syncs
    }
    const g = h.coordinator.group('g')!;
    assert.equal(g.hasMember(b.memberId), false);
    assert.equal(g.state, 'PreparingRebalance');
  });

  it('heartbeats during CompletingRebalance are accepted (NONE), during PreparingRebalance REBALANCE_IN_PROGRESS', async () => {
    const h = harness({ initialRebalanceDelayMs: 5 });
    const a = await joinNew(h);
    h.clock.advance(5);
    const r = await a.result;
    assert.equal(h.coordinator.group('g')!.state, 'CompletingRebalance');
    assert.equal(heartbeat(h, a.memberId, r.generationId), E.NONE);
  });

  it('the initial rebalance delay batches joiners into one generation, re-armed while they keep coming', async () => {
    const h = harness({ initialRebalanceDelayMs: 3000 });
    const a = await joinNew(h);
    h.clock.advance(2000);
    const b = await joinNew(h);
    h.clock.advance(1000); // first delay over, but B arrived meanwhile: wait another 3000 ms
    assert.equal(await isSettled(a.result), false);
    h.clock.advance(2000);
    const c = await joinNew(h);
    h.clock.advance(1000);
    assert.equal(await isSettled(a.result), false);
    h.clock.advance(3000);
    const [ra, rb, rc] = await Promise.all([a.result, b.result, c.result]);
    assert.equal(ra.generationId, 1);
    assert.equal(rb.generationId, 1);
    assert.equal(rc.generationId, 1);
    assert.equal(ra.members.length, 3);
  });

  it('the initial delay never exceeds the rebalance timeout', async () => {
    const h = harness({ initialRebalanceDelayMs: 3000 });
    const a = await joinNew(h, { rebalanceTimeoutMs: 7000 });
    let joined = 0;
    for (let i = 0; i < 10; i++) {
      h.clock.advance(1000);
      if (await isSettled(a.result)) break;
      await joinNew(h, { rebalanceTimeoutMs: 7000 });
      joined++;
    }
    assert.equal(await isSettled(a.result), true);
    assert.ok(joined <= 8, `joined ${joined}`);
  });

  it('a new member waiting in its first JoinGroup is dropped after newMemberJoinTimeoutMs', async () => {
    const h = harness({ newMemberJoinTimeoutMs: 60_000 });
    const { a, generation } = await stableTwo(h);
    const c = await joinNew(h, { rebalanceTimeoutMs: 300_000, sessionTimeoutMs: 10_000 });
    // Nobody else rejoins; A heartbeats so it is not expired; the rebalance timeout is 300 s.
    for (let t = 0; t < 60_000; t += 3000) {
      h.clock.advance(3000);
      heartbeat(h, a, generation);
    }
    const r = await c.result;
    assert.equal(r.errorCode, E.UNKNOWN_MEMBER_ID);
  });

  it('pending (MEMBER_ID_REQUIRED) members expire after their session timeout', async () => {
    const h = harness();
    const first = await h.coordinator.join(joinInput());
    assert.equal(h.coordinator.group('g')!.pendingMemberCount, 1);
    h.clock.advance(SESSION_MS);
    assert.equal(h.coordinator.group('g')!.pendingMemberCount, 0);
    const late = await h.coordinator.join(joinInput({ memberId: first.memberId }));
    assert.equal(late.errorCode, E.UNKNOWN_MEMBER_ID);
  });

  it('LeaveGroup of a pending member lets the rebalance complete', async () => {
    const h = harness();
    const { a, generation } = await stableTwo(h);
    const pending = await h.coordinator.join(joinInput()); // MEMBER_ID_REQUIRED: pending
    const ja = h.coordinator.join(joinInput({ memberId: a }));
    assert.equal(await isSettled(ja), false);
    const res = h.coordinator.leave({ groupId: 'g', members: [{ memberId: pending.memberId, groupInstanceId: null }] });
    assert.equal(res.members[0].errorCode, E.NONE);
    // B still has to rejoin or time out; it is not pending any more at least.
    assert.equal(h.coordinator.group('g')!.pendingMemberCount, 0);
    void generation;
  });
});
