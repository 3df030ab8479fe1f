/**
 * The group coordinator under abuse, over the wire with our own client:
 * - a flood of 5,000 pipelined JoinGroup requests from one connection (MEMBER_ID_REQUIRED churn and
 *   random member ids), then the handed-out ids joining for real, while another connection's
 *   ApiVersions and Metadata keep being answered; afterwards the group is bounded and drains to Empty;
 * - commits and heartbeats with a stale generation / unknown member / unknown group get Kafka's codes
 *   (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID; a heartbeat for a group the coordinator does not know is
 *   UNKNOWN_MEMBER_ID, as Kafka's GroupCoordinator.handleHeartbeat answers);
 * - empty and 10 KB group ids get INVALID_GROUP_ID and nothing is stored.
 * The flood runs on the embedded backend; the error-code checks on both.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { WireClient } from '../../src/client/wire-client.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { BACKENDS, backendSkip, startTestBroker, type TestBroker } from '../support/broker.js';

const PROTOCOLS = [{ name: 'range', metadata: Buffer.from([0, 1, 0, 0, 0, 0]) }];
const FLOOD = 5_000;
const MAX_GROUP_SIZE = 1_000; // GROUP_COORDINATOR_DEFAULTS.maxGroupSize

function joinBody(groupId: string, memberId: string, opts: { rebalanceTimeoutMs?: number; groupInstanceId?: string | null } = {}) {
  return {
    groupId,
    sessionTimeoutMs: 6_000,
    rebalanceTimeoutMs: opts.rebalanceTimeoutMs ?? 2_000,
    memberId,
    groupInstanceId: opts.groupInstanceId ?? null,
    protocolType: 'consumer',
    protocols: PROTOCOLS,
    reason: null,
  };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function describeGroup(c: WireClient, groupId: string) {
  const res = await c.send(ApiKey.DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false });
  return res.groups[0];
}

async function committed(c: WireClient, groupId: string, topic: string, partitions: number[]) {
  const res = await c.send(ApiKey.OffsetFetch, 8, { groups: [{ groupId, topics: [{ name: topic, partitionIndexes: partitions }] }], requireStable: false });
  const g = res.groups[0];
  assert.equal(g.errorCode, ErrorCode.NONE);
  return g.topics.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)]));
}

async function allCommitted(c: WireClient, groupId: string) {
  const res = await c.send(ApiKey.OffsetFetch, 8, { groups: [{ groupId, topics: null }], requireStable: false });
  return res.groups[0].topics.flatMap((t) => t.partitions.map((p) => `${t.name}/${p.partitionIndex}@${p.committedOffset}`));
}

function commitBody(groupId: string, generation: number, memberId: string, offset: bigint, topic = 'abuse') {
  return {
    groupId,
    generationIdOrMemberEpoch: generation,
    memberId,
    groupInstanceId: null,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
  };
}

/** A proper member: MEMBER_ID_REQUIRED, join, sync (as leader, assigning itself). Returns its id and generation. */
async function becomeMember(c: WireClient, groupId: string): Promise<{ memberId: string; generationId: number }> {
  const first = await c.send(ApiKey.JoinGroup, 9, joinBody(groupId, ''));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const joined = await c.send(ApiKey.JoinGroup, 9, joinBody(groupId, first.memberId));
  assert.equal(joined.errorCode, ErrorCode.NONE);
  const synced = await c.send(ApiKey.SyncGroup, 5, {
    groupId,
    generationId: joined.generationId,
    memberId: joined.memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: joined.protocolName,
    assignments: joined.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from('a') })),
  });
  assert.equal(synced.errorCode, ErrorCode.NONE);
  return { memberId: joined.memberId, generationId: joined.generationId };
}

for (const backend of BACKENDS) {
  describe(`group coordinator under abuse (${backend})`, async () => {
    const skip = await backendSkip(backend);
    let tb: TestBroker;
    const clients: WireClient[] = [];
    const connect = async () => {
      const c = await WireClient.connect('127.0.0.1', tb.broker.port, 'abuser');
      clients.push(c);
      return c;
    };

    before(async () => {
      if (skip) return;
      tb = await startTestBroker(backend, { groupInitialRebalanceDelayMs: 0 });
      const c = await connect();
      const res = await c.send(ApiKey.CreateTopics, 7, { topics: [{ name: 'abuse', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
      assert.equal(res.topics[0].errorCode, ErrorCode.NONE);
    });
    after(async () => {
      if (skip) return;
      for (const c of clients) await c.close().catch(() => {});
      await tb.stop();
    });

    it('a pipelined flood of 5,000 JoinGroups: other connections keep being answered, the group stays bounded and drains', { skip: skip || (backend !== 'embedded' && 'the flood runs on the embedded backend only'), timeout: 60_000 }, async () => {
      const flood = await connect();
      const probe = await connect();
      // The probe: ApiVersions + Metadata back to back for as long as the flood lasts.
      let flooding = true;
      const latencies: number[] = [];
      const probing = (async () => {
        while (flooding) {
          const t = performance.now();
          const v = await probe.send(ApiKey.ApiVersions, 3, { clientSoftwareName: 'probe', clientSoftwareVersion: '1' });
          assert.equal(v.errorCode, ErrorCode.NONE);
          const m = await probe.send(ApiKey.Metadata, 12, { topics: [{ name: 'abuse', topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
          assert.equal(m.topics[0].errorCode, ErrorCode.NONE);
          const ms = performance.now() - t;
          latencies.push(ms);
          assert.ok(ms < 10_000, `ApiVersions + Metadata took ${ms} ms during the flood`);
          await new Promise((r) => setTimeout(r, 5));
        }
      })();

      try {
        const t0 = performance.now();
        // Wave 1: 5,000 pipelined JoinGroups, two thirds new members (MEMBER_ID_REQUIRED, each a
        // pending id), one third random member ids the group never handed out.
        const wave1 = Array.from({ length: FLOOD }, (_, i) =>
          flood.send(ApiKey.JoinGroup, 9, joinBody('flood', i % 3 === 2 ? `rogue-${randomUUID()}` : '')),
        );
        const answers1 = await Promise.all(wave1);
        const wave1Ms = performance.now() - t0;
        const codes1 = new Map<number, number>();
        for (const a of answers1) codes1.set(a.errorCode, (codes1.get(a.errorCode) ?? 0) + 1);
        assert.deepEqual(
          [...codes1].sort(),
          [[ErrorCode.UNKNOWN_MEMBER_ID, Math.floor(FLOOD / 3)], [ErrorCode.MEMBER_ID_REQUIRED, FLOOD - Math.floor(FLOOD / 3)]].sort(),
        );
        const pendingIds = answers1.filter((a) => a.errorCode === ErrorCode.MEMBER_ID_REQUIRED).map((a) => a.memberId);
        assert.equal(new Set(pendingIds).size, pendingIds.length, 'every pending id is distinct');
        const afterWave1 = await describeGroup(probe, 'flood');
        assert.equal(afterWave1.members.length, 0, 'pending ids are not members');
        assert.equal(afterWave1.groupState, 'Empty');

        // Wave 2: every handed-out id joins for real (all pipelined). Only the newest pending ids
        // are remembered (at most group.max.size): the others are UNKNOWN_MEMBER_ID; the rest become
        // members whose JoinGroups complete with the rebalance, then never sync and are dropped.
        const t1 = performance.now();
        let answered2 = 0;
        const wave2 = pendingIds.map((id) => flood.send(ApiKey.JoinGroup, 9, joinBody('flood', id)).finally(() => answered2++));
        let maxMembers = 0;
        const watching = (async () => {
          while (answered2 < wave2.length) {
            const g = await describeGroup(probe, 'flood');
            maxMembers = Math.max(maxMembers, g.members.length);
            await new Promise((r) => setTimeout(r, 20));
          }
        })();
        const answers2 = await Promise.all(wave2);
        await watching;
        const wave2Ms = performance.now() - t1;
        const codes2 = new Map<number, number>();
        for (const a of answers2) codes2.set(a.errorCode, (codes2.get(a.errorCode) ?? 0) + 1);
        const joinedOk = codes2.get(ErrorCode.NONE) ?? 0;
        assert.ok(joinedOk >= 1, `some handed-out ids joined: ${JSON.stringify([...codes2])}`);
        assert.ok(joinedOk <= MAX_GROUP_SIZE * 2, 'bounded');
        assert.ok((codes2.get(ErrorCode.UNKNOWN_MEMBER_ID) ?? 0) >= pendingIds.length - MAX_GROUP_SIZE, 'forgotten pending ids are unknown');
        assert.ok(maxMembers <= MAX_GROUP_SIZE, `DescribeGroups never showed more than group.max.size members (max ${maxMembers})`);
        assert.ok((await describeGroup(probe, 'flood')).members.length <= MAX_GROUP_SIZE);

        // Nobody syncs: the sync timeout drops every member and the group ends Empty.
        await until('the flood group drains to Empty', async () => {
          const g = await describeGroup(probe, 'flood');
          return g.groupState === 'Empty' && g.members.length === 0;
        });
        flooding = false;
        await probing;
        const sorted = [...latencies].sort((x, y) => x - y);
        console.log(
          `[${backend}] wave 1: ${FLOOD} JoinGroups in ${wave1Ms.toFixed(0)} ms; wave 2: ${pendingIds.length} joins in ${wave2Ms.toFixed(0)} ms ` +
            `(${JSON.stringify([...codes2])}), max ${maxMembers} members; probe round trips: ${latencies.length}, ` +
            `p50 ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms`,
        );
        assert.ok(latencies.length > 0);

        // The flood connection is still usable.
        const v = await flood.send(ApiKey.ApiVersions, 3, { clientSoftwareName: 'flood', clientSoftwareVersion: '1' });
        assert.equal(v.errorCode, ErrorCode.NONE);
      } finally {
        flooding = false;
        await probing.catch(() => {});
      }
    });

    it('a pipelined flood of 1,500 static JoinGroups (distinct group.instance.id): bounded, drains to Empty', { skip: skip || (backend !== 'embedded' && 'the flood runs on the embedded backend only'), timeout: 60_000 }, async () => {
      // Static members are admitted without MEMBER_ID_REQUIRED, so every one of these JoinGroups
      // waits for the rebalance. group.max.size is checked as Kafka's acceptJoiningMember does: in
      // PreparingRebalance against the members that have (re)joined, so static members of the
      // previous generation that do not rejoin (they are kept until their session expires) come
      // on top: the group may reach twice group.max.size for a rebalance, never more, and the
      // members that never send SyncGroup are dropped when the sync times out.
      const flood = await connect();
      const probe = await connect();
      const n = 1_500;
      let answered = 0;
      const joins = Array.from({ length: n }, (_, i) =>
        flood.send(ApiKey.JoinGroup, 9, joinBody('static-flood', '', { groupInstanceId: `instance-${i}`, rebalanceTimeoutMs: 1_000 })).finally(() => answered++),
      );
      let maxMembers = 0;
      const watching = (async () => {
        while (answered < n) {
          const t = performance.now();
          const g = await describeGroup(probe, 'static-flood');
          assert.ok(performance.now() - t < 10_000);
          maxMembers = Math.max(maxMembers, g.members.length);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const answers = await Promise.all(joins);
      await watching;
      const codes = new Map<number, number>();
      for (const a of answers) codes.set(a.errorCode, (codes.get(a.errorCode) ?? 0) + 1);
      assert.deepEqual([...codes.keys()].filter((c) => c !== ErrorCode.NONE && c !== ErrorCode.GROUP_MAX_SIZE_REACHED), [], JSON.stringify([...codes]));
      assert.ok(maxMembers <= 2 * MAX_GROUP_SIZE, `at most twice group.max.size members (max ${maxMembers})`);
      await until('the static flood group drains to Empty', async () => {
        const g = await describeGroup(probe, 'static-flood');
        return g.groupState === 'Empty' && g.members.length === 0;
      });
      console.log(`[${backend}] static flood: ${JSON.stringify([...codes])}, max ${maxMembers} members`);
    });

    it('stale generation, unknown member, unknown group: ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID, nothing stored', { skip, timeout: 30_000 }, async () => {
      const c = await connect();
      const { memberId, generationId } = await becomeMember(c, 'commits');
      assert.equal(generationId, 1);
      assert.equal((await c.send(ApiKey.OffsetCommit, 8, commitBody('commits', generationId, memberId, 5n))).topics[0].partitions[0].errorCode, ErrorCode.NONE);

      const commitError = async (groupId: string, generation: number, member: string, offset: bigint) =>
        (await c.send(ApiKey.OffsetCommit, 8, commitBody(groupId, generation, member, offset))).topics[0].partitions[0].errorCode;
      assert.equal(await commitError('commits', generationId - 1, memberId, 6n), ErrorCode.ILLEGAL_GENERATION, 'stale generation');
      assert.equal(await commitError('commits', generationId + 1, memberId, 6n), ErrorCode.ILLEGAL_GENERATION, 'future generation');
      assert.equal(await commitError('commits', generationId, `ghost-${randomUUID()}`, 6n), ErrorCode.UNKNOWN_MEMBER_ID, 'unknown member');
      assert.equal(await commitError('commits', -1, '', 6n), ErrorCode.UNKNOWN_MEMBER_ID, 'a standalone commit into a group with members');
      assert.equal(await commitError('no-such-group', 3, 'someone', 6n), ErrorCode.ILLEGAL_GENERATION, 'a group the coordinator does not know (Kafka: ILLEGAL_GENERATION)');
      assert.deepEqual(await committed(c, 'commits', 'abuse', [0]), [[0, 5]], 'only the valid commit is stored');
      assert.deepEqual(await allCommitted(c, 'no-such-group'), []);

      const heartbeat = async (groupId: string, generation: number, member: string) =>
        (await c.send(ApiKey.Heartbeat, 4, { groupId, generationId: generation, memberId: member, groupInstanceId: null })).errorCode;
      assert.equal(await heartbeat('commits', generationId, memberId), ErrorCode.NONE);
      assert.equal(await heartbeat('commits', generationId - 1, memberId), ErrorCode.ILLEGAL_GENERATION);
      assert.equal(await heartbeat('commits', generationId, 'ghost'), ErrorCode.UNKNOWN_MEMBER_ID);
      // Kafka's GroupCoordinator.handleHeartbeat: groupManager.getGroup(groupId) is None → UNKNOWN_MEMBER_ID.
      assert.equal(await heartbeat('no-such-group', 1, 'someone'), ErrorCode.UNKNOWN_MEMBER_ID);
      const sync = await c.send(ApiKey.SyncGroup, 5, { groupId: 'no-such-group', generationId: 1, memberId: 'someone', groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
      assert.equal(sync.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
      const rejoin = await c.send(ApiKey.JoinGroup, 9, joinBody('no-such-group', 'someone'));
      assert.equal(rejoin.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'a member id cannot create a group');

      // A second member makes the first one's generation stale once the group moves on.
      const other = await connect();
      const second = await other.send(ApiKey.JoinGroup, 9, joinBody('commits', ''));
      assert.equal(second.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
      const secondJoin = other.send(ApiKey.JoinGroup, 9, joinBody('commits', second.memberId));
      await until('the group prepares a rebalance', async () => (await describeGroup(c, 'commits')).groupState === 'PreparingRebalance');
      assert.equal(await heartbeat('commits', generationId, memberId), ErrorCode.REBALANCE_IN_PROGRESS);
      const rejoined = await c.send(ApiKey.JoinGroup, 9, joinBody('commits', memberId));
      assert.equal(rejoined.errorCode, ErrorCode.NONE);
      assert.equal((await secondJoin).errorCode, ErrorCode.NONE);
      assert.equal(rejoined.generationId, generationId + 1);
      assert.equal(await commitError('commits', generationId, memberId, 7n), ErrorCode.ILLEGAL_GENERATION, 'the previous generation');
      assert.equal(await commitError('commits', rejoined.generationId, memberId, 7n), ErrorCode.REBALANCE_IN_PROGRESS, 'CompletingRebalance');
      assert.deepEqual(await committed(c, 'commits', 'abuse', [0]), [[0, 5]]);
      // Both leave.
      const left = await c.send(ApiKey.LeaveGroup, 5, { groupId: 'commits', members: [{ memberId, groupInstanceId: null, reason: null }, { memberId: second.memberId, groupInstanceId: null, reason: null }] });
      assert.deepEqual(left.members.map((m) => m.errorCode), [ErrorCode.NONE, ErrorCode.NONE]);
      assert.equal((await describeGroup(c, 'commits')).groupState, 'Empty');
    });

    it('empty and 10 KB group ids: INVALID_GROUP_ID, nothing stored', { skip, timeout: 30_000 }, async () => {
      const c = await connect();
      const huge = 'g'.repeat(10 * 1024);
      for (const groupId of ['', huge]) {
        const label = groupId === '' ? 'empty group id' : '10 KB group id';
        const join = await c.send(ApiKey.JoinGroup, 9, joinBody(groupId, ''));
        assert.equal(join.errorCode, ErrorCode.INVALID_GROUP_ID, `${label}: JoinGroup`);
        const join3 = await c.send(ApiKey.JoinGroup, 3, joinBody(groupId, ''));
        assert.equal(join3.errorCode, ErrorCode.INVALID_GROUP_ID, `${label}: JoinGroup v3 (no MEMBER_ID_REQUIRED step)`);
        const staticJoin = await c.send(ApiKey.JoinGroup, 9, joinBody(groupId, '', { groupInstanceId: 'i' }));
        assert.equal(staticJoin.errorCode, ErrorCode.INVALID_GROUP_ID, `${label}: static JoinGroup`);
        const sync = await c.send(ApiKey.SyncGroup, 5, { groupId, generationId: 1, memberId: 'm', groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
        assert.equal(sync.errorCode, ErrorCode.INVALID_GROUP_ID, `${label}: SyncGroup`);
        const hb = await c.send(ApiKey.Heartbeat, 4, { groupId, generationId: 1, memberId: 'm', groupInstanceId: null });
        assert.equal(hb.errorCode, ErrorCode.INVALID_GROUP_ID, `${label}: Heartbeat`);
        const leave = await c.send(ApiKey.LeaveGroup, 5, { groupId, members: [{ memberId: 'm', groupInstanceId: null, reason: null }] });
        assert.equal(leave.errorCode, ErrorCode.INVALID_GROUP_ID, `${label}: LeaveGroup`);
      }
      // OffsetCommit: a 10 KB id is refused in every form.
      for (const [generation, member] of [[1, 'm'], [-1, '']] as const) {
        const res = await c.send(ApiKey.OffsetCommit, 8, commitBody(huge, generation, member, 9n));
        assert.equal(res.topics[0].partitions[0].errorCode, ErrorCode.INVALID_GROUP_ID, `10 KB group id: OffsetCommit generation ${generation}`);
      }
      // The empty id is accepted by OffsetCommit as by Kafka (backwards compatibility), so a member
      // commit to it gets ILLEGAL_GENERATION (no such group), and stores nothing.
      const emptyMember = await c.send(ApiKey.OffsetCommit, 8, commitBody('', 1, 'm', 9n));
      assert.equal(emptyMember.topics[0].partitions[0].errorCode, ErrorCode.ILLEGAL_GENERATION);

      assert.deepEqual(await allCommitted(c, huge), [], 'nothing stored under the 10 KB id');
      assert.deepEqual(await allCommitted(c, ''), [], 'nothing stored under the empty id');
      assert.deepEqual(await committed(c, huge, 'abuse', [0]), [[0, -1]]);
      const described = await c.send(ApiKey.DescribeGroups, 5, { groups: ['', huge], includeAuthorizedOperations: false });
      assert.deepEqual(described.groups.map((g) => [g.errorCode, g.groupState, g.members.length]), [
        [ErrorCode.NONE, 'Dead', 0],
        [ErrorCode.INVALID_GROUP_ID, 'Dead', 0],
      ]);
      const listed = await c.send(ApiKey.ListGroups, 4, { statesFilter: [] });
      assert.ok(!listed.groups.some((g) => g.groupId === '' || g.groupId === huge), 'neither id became a group');
    });
  });
}
