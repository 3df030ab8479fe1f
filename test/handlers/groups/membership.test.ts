// JoinGroup, SyncGroup, Heartbeat and LeaveGroup handlers over a real coordinator, every version
// through the generated codecs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode as E } from '../../../protocol/generated/error-codes.js';
import type { HeartbeatRequest } from '../../../protocol/generated/heartbeat.js';
import type { JoinGroupRequest, JoinGroupResponse } from '../../../protocol/generated/join-group.js';
import type { LeaveGroupRequest } from '../../../protocol/generated/leave-group.js';
import type { SyncGroupRequest } from '../../../protocol/generated/sync-group.js';
import type { Input } from '../../../protocol/runtime/types.js';
import { heartbeatHandler } from '../../../src/handlers/heartbeat.js';
import { joinGroupHandler } from '../../../src/handlers/join-group.js';
import { leaveGroupHandler } from '../../../src/handlers/leave-group.js';
import { syncGroupHandler } from '../../../src/handlers/sync-group.js';
import { Heartbeat, JoinGroup, LeaveGroup, SyncGroup, subscription } from './codecs.js';
import { openHarness, versions, type Harness } from './harness.js';

function joinRequest(v: number, groupId: string, memberId: string, instanceId: string | null = null, sessionTimeoutMs = 10_000): Input<JoinGroupRequest> {
  return {
    groupId,
    sessionTimeoutMs,
    memberId,
    protocolType: 'consumer',
    protocols: [
      { name: 'range', metadata: subscription(['t']) },
      { name: 'roundrobin', metadata: subscription(['t']) },
    ],
    ...(v >= 1 ? { rebalanceTimeoutMs: 30_000 } : {}),
    ...(v >= 5 ? { groupInstanceId: instanceId } : {}),
    ...(v >= 8 ? { reason: 'handler test' } : {}),
  };
}

function syncRequest(
  v: number,
  groupId: string,
  generationId: number,
  memberId: string,
  assignments: { memberId: string; assignment: Buffer }[],
  instanceId: string | null = null,
): Input<SyncGroupRequest> {
  return {
    groupId,
    generationId,
    memberId,
    assignments,
    ...(v >= 3 ? { groupInstanceId: instanceId } : {}),
    ...(v >= 5 ? { protocolType: 'consumer', protocolName: 'range' } : {}),
  };
}

function heartbeatRequest(v: number, groupId: string, generationId: number, memberId: string, instanceId: string | null = null): Input<HeartbeatRequest> {
  return { groupId, generationId, memberId, ...(v >= 3 ? { groupInstanceId: instanceId } : {}) };
}

function leaveRequest(v: number, groupId: string, memberId: string, instanceId: string | null = null): Input<LeaveGroupRequest> {
  return v <= 2
    ? { groupId, memberId }
    : { groupId, members: [{ memberId, groupInstanceId: instanceId, ...(v >= 5 ? { reason: 'bye' } : {}) }] };
}

describe('group membership handlers', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
    h.topics.set('t', 2);
  });
  after(async () => {
    await h.close();
  });

  /**
   * A new member's JoinGroup, with the KIP-394 round trip at v4+ (static members skip it): resolves
   * to the pending join (call h.clock.runDue() to complete a first generation).
   */
  async function startJoin(j: number, groupId: string, instanceId: string | null = null): Promise<{ pending: Promise<JoinGroupResponse> }> {
    let memberId = '';
    if (j >= 4 && instanceId === null) {
      const first = await h.call(JoinGroup, joinGroupHandler, joinRequest(j, groupId, ''), j);
      assert.equal(first.errorCode, E.MEMBER_ID_REQUIRED);
      assert.equal(first.generationId, -1);
      assert.match(first.memberId, /^test-client-\d+$/, 'the member id is assigned with MEMBER_ID_REQUIRED');
      assert.deepEqual(first.members, []);
      memberId = first.memberId;
    }
    return { pending: h.call(JoinGroup, joinGroupHandler, joinRequest(j, groupId, memberId, instanceId), j) };
  }

  for (const j of versions(joinGroupHandler)) {
    const s = Math.min(j, syncGroupHandler.maxVersion);
    const hv = Math.min(j, heartbeatHandler.maxVersion);
    const lv = Math.min(j, leaveGroupHandler.maxVersion);
    it(`JoinGroup v${j}, SyncGroup v${s}, Heartbeat v${hv}, LeaveGroup v${lv}: two members split a topic, rebalance and leave`, async () => {
      const g = `split-v${j}`;
      const instanceB = j >= 5 ? `instance-b-${j}` : null;

      // A alone: generation 1.
      const a = await startJoin(j, g);
      h.clock.runDue();
      const ja = await a.pending;
      assert.equal(ja.errorCode, E.NONE);
      assert.equal(ja.generationId, 1);
      assert.equal(ja.leader, ja.memberId);
      assert.equal(ja.protocolName, 'range');
      assert.equal(ja.protocolType, j >= 7 ? 'consumer' : null);
      assert.equal(ja.skipAssignment, false);
      assert.deepEqual(ja.members.map((m) => [m.memberId, m.metadata]), [[ja.memberId, subscription(['t'])]]);
      const A = ja.memberId;
      if (j < 4) assert.match(A, /^test-client-\d+$/);

      const sa = await h.call(SyncGroup, syncGroupHandler, syncRequest(s, g, 1, A, [{ memberId: A, assignment: Buffer.from('a:0,1') }]), s);
      assert.equal(sa.errorCode, E.NONE);
      assert.deepEqual(sa.assignment, Buffer.from('a:0,1'));
      assert.equal(sa.protocolType, s >= 5 ? 'consumer' : null);
      assert.equal(sa.protocolName, s >= 5 ? 'range' : null);
      assert.equal((await h.call(Heartbeat, heartbeatHandler, heartbeatRequest(hv, g, 1, A), hv)).errorCode, E.NONE);

      // B arrives: A learns of the rebalance through its heartbeat and rejoins.
      const b = await startJoin(j, g, instanceB);
      assert.equal((await h.call(Heartbeat, heartbeatHandler, heartbeatRequest(hv, g, 1, A), hv)).errorCode, E.REBALANCE_IN_PROGRESS);
      const pa2 = h.call(JoinGroup, joinGroupHandler, joinRequest(j, g, A), j);
      h.clock.runDue();
      const [ja2, jb] = await Promise.all([pa2, b.pending]);
      assert.equal(ja2.errorCode, E.NONE);
      assert.equal(jb.errorCode, E.NONE);
      assert.equal(ja2.generationId, 2);
      assert.equal(jb.generationId, 2);
      assert.equal(ja2.leader, A);
      assert.equal(jb.leader, A);
      const B = jb.memberId;
      assert.notEqual(B, A);
      assert.deepEqual(jb.members, [], 'followers get no member list');
      assert.deepEqual(
        ja2.members.map((m) => [m.memberId, m.groupInstanceId]).sort(),
        [[A, null], [B, instanceB]].sort(),
        'the leader sees every member (instance ids from v5)',
      );

      // The leader's assignment reaches each member.
      const leaderSync = h.call(SyncGroup, syncGroupHandler, syncRequest(s, g, 2, A, [
        { memberId: A, assignment: Buffer.from('a:0') },
        { memberId: B, assignment: Buffer.from('b:1') },
      ]), s);
      const followerSync = h.call(SyncGroup, syncGroupHandler, syncRequest(s, g, 2, B, [], s >= 3 ? instanceB : null), s);
      const [sa2, sb] = await Promise.all([leaderSync, followerSync]);
      assert.equal(sa2.errorCode, E.NONE);
      assert.equal(sb.errorCode, E.NONE);
      assert.deepEqual(sa2.assignment, Buffer.from('a:0'));
      assert.deepEqual(sb.assignment, Buffer.from('b:1'));
      assert.equal(h.coordinator.group(g)?.state, 'Stable');
      assert.equal((await h.call(Heartbeat, heartbeatHandler, heartbeatRequest(hv, g, 2, A), hv)).errorCode, E.NONE);
      assert.equal((await h.call(Heartbeat, heartbeatHandler, heartbeatRequest(hv, g, 2, B, hv >= 3 ? instanceB : null), hv)).errorCode, E.NONE);
      assert.equal((await h.call(Heartbeat, heartbeatHandler, heartbeatRequest(hv, g, 1, A), hv)).errorCode, E.ILLEGAL_GENERATION);
      assert.equal((await h.call(Heartbeat, heartbeatHandler, heartbeatRequest(hv, g, 2, 'ghost'), hv)).errorCode, E.UNKNOWN_MEMBER_ID);

      // B leaves: A must rejoin; then A leaves and the group is Empty.
      const lb = await h.call(LeaveGroup, leaveGroupHandler, leaveRequest(lv, g, B, instanceB), lv);
      assert.equal(lb.errorCode, E.NONE);
      assert.deepEqual(lb.members, lv >= 3 ? [{ memberId: B, groupInstanceId: instanceB, errorCode: E.NONE }] : []);
      assert.equal((await h.call(Heartbeat, heartbeatHandler, heartbeatRequest(hv, g, 2, A), hv)).errorCode, E.REBALANCE_IN_PROGRESS);
      const la = await h.call(LeaveGroup, leaveGroupHandler, leaveRequest(lv, g, A), lv);
      assert.equal(la.errorCode, E.NONE);
      assert.equal(h.coordinator.group(g)?.state, 'Empty');

      // Leaving again: the member is unknown (v0–2 in the single error code, v3+ per member).
      const again = await h.call(LeaveGroup, leaveGroupHandler, leaveRequest(lv, g, A), lv);
      if (lv <= 2) assert.equal(again.errorCode, E.UNKNOWN_MEMBER_ID);
      else assert.deepEqual([again.errorCode, again.members.map((m) => m.errorCode)], [E.NONE, [E.UNKNOWN_MEMBER_ID]]);
    });
  }

  it('JoinGroup, every version: the empty and a 10 KB group id are INVALID_GROUP_ID and create no group', async () => {
    const before = h.coordinator.groupCount;
    for (const j of versions(joinGroupHandler)) {
      for (const groupId of ['', 'x'.repeat(10 * 1024)]) {
        const r = await h.call(JoinGroup, joinGroupHandler, joinRequest(j, groupId, ''), j);
        assert.equal(r.errorCode, E.INVALID_GROUP_ID, `v${j} '${groupId.slice(0, 8)}…'`);
        assert.equal(r.generationId, -1);
        assert.equal(r.protocolName, j >= 7 ? null : '', 'no protocol name: null from v7, empty string before');
      }
    }
    assert.equal(h.coordinator.groupCount, before);
    assert.equal(h.coordinator.group(''), undefined);
  });

  it('JoinGroup, every version: a session timeout below the minimum is INVALID_SESSION_TIMEOUT', async () => {
    for (const j of versions(joinGroupHandler)) {
      const r = await h.call(JoinGroup, joinGroupHandler, joinRequest(j, 'short-session', '', null, 1_000), j);
      assert.equal(r.errorCode, E.INVALID_SESSION_TIMEOUT, `v${j}`);
    }
    assert.equal(h.coordinator.group('short-session'), undefined);
  });

  it('SyncGroup, Heartbeat and LeaveGroup, every version: the empty group id is INVALID_GROUP_ID', async () => {
    for (const v of versions(syncGroupHandler)) {
      const r = await h.call(SyncGroup, syncGroupHandler, syncRequest(v, '', 1, 'm', []), v);
      assert.equal(r.errorCode, E.INVALID_GROUP_ID, `SyncGroup v${v}`);
      assert.deepEqual(r.assignment, Buffer.alloc(0));
    }
    for (const v of versions(heartbeatHandler)) {
      const r = await h.call(Heartbeat, heartbeatHandler, heartbeatRequest(v, '', 1, 'm'), v);
      assert.equal(r.errorCode, E.INVALID_GROUP_ID, `Heartbeat v${v}`);
    }
    for (const v of versions(leaveGroupHandler)) {
      const r = await h.call(LeaveGroup, leaveGroupHandler, leaveRequest(v, '', 'm'), v);
      assert.equal(r.errorCode, E.INVALID_GROUP_ID, `LeaveGroup v${v}`);
    }
  });

  it('SyncGroup v5 without protocol type or name is INCONSISTENT_GROUP_PROTOCOL (KIP-559)', async () => {
    const r = await h.call(SyncGroup, syncGroupHandler, { groupId: 'g5', generationId: 1, memberId: 'm', protocolType: 'consumer', assignments: [] }, 5);
    assert.equal(r.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
    const r2 = await h.call(SyncGroup, syncGroupHandler, { groupId: 'g5', generationId: 1, memberId: 'm', protocolName: 'range', assignments: [] }, 5);
    assert.equal(r2.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('SyncGroup and Heartbeat for a group that does not exist are UNKNOWN_MEMBER_ID', async () => {
    const s = await h.call(SyncGroup, syncGroupHandler, syncRequest(5, 'nobody', 1, 'm', []), 5);
    assert.equal(s.errorCode, E.UNKNOWN_MEMBER_ID);
    const hb = await h.call(Heartbeat, heartbeatHandler, heartbeatRequest(4, 'nobody', 1, 'm'), 4);
    assert.equal(hb.errorCode, E.UNKNOWN_MEMBER_ID);
  });

  it('LeaveGroup v3+ batch: each member answered on its own, a static member removed by instance id alone', async () => {
    const g = 'batch-leave';
    const p1 = h.call(JoinGroup, joinGroupHandler, joinRequest(5, g, '', 'i1'), 5);
    const p2 = h.call(JoinGroup, joinGroupHandler, joinRequest(5, g, '', 'i2'), 5);
    h.clock.runDue();
    const [j1, j2] = await Promise.all([p1, p2]);
    assert.equal(j1.errorCode, E.NONE);
    assert.equal(j2.errorCode, E.NONE);
    const r = await h.call(LeaveGroup, leaveGroupHandler, {
      groupId: g,
      members: [
        { memberId: j1.memberId, groupInstanceId: 'i1' },
        { memberId: '', groupInstanceId: 'i2', reason: 'admin removal' },
        { memberId: 'ghost', groupInstanceId: null },
      ],
    }, 5);
    assert.equal(r.errorCode, E.NONE);
    assert.deepEqual(r.members.map((m) => [m.memberId, m.groupInstanceId, m.errorCode]), [
      [j1.memberId, 'i1', E.NONE],
      ['', 'i2', E.NONE],
      ['ghost', null, E.UNKNOWN_MEMBER_ID],
    ]);
    assert.equal(h.coordinator.group(g)?.size, 0);
  });

  it('JoinGroup records the client id and "/address" client host, as Kafka', async () => {
    const g = 'who';
    const p = h.call(JoinGroup, joinGroupHandler, joinRequest(3, g, ''), 3);
    h.clock.runDue();
    const r = await p;
    assert.equal(r.errorCode, E.NONE);
    const [m] = (await h.coordinator.describeGroups([g]))[0].members;
    assert.equal(m.clientId, 'test-client');
    assert.equal(m.clientHost, '/127.0.0.1');
  });
});
