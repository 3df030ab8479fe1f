// OffsetCommit, OffsetFetch and OffsetDelete handlers over a real coordinator and a real metadata
// store (PGlite), every version through the generated codecs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode as E } from '../../../protocol/generated/error-codes.js';
import type { OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitResponse } from '../../../protocol/generated/offset-commit.js';
import type { OffsetFetchResponse } from '../../../protocol/generated/offset-fetch.js';
import type { Input } from '../../../protocol/runtime/types.js';
import { joinGroupHandler } from '../../../src/handlers/join-group.js';
import { offsetCommitHandler } from '../../../src/handlers/offset-commit.js';
import { offsetDeleteHandler } from '../../../src/handlers/offset-delete.js';
import { offsetFetchHandler } from '../../../src/handlers/offset-fetch.js';
import { syncGroupHandler } from '../../../src/handlers/sync-group.js';
import { JoinGroup, OffsetCommit, OffsetDelete, OffsetFetch, SyncGroup, subscription } from './codecs.js';
import { openHarness, versions, type Harness } from './harness.js';

interface Commit {
  partition: number;
  offset: bigint;
  metadata?: string | null;
  leaderEpoch?: number;
}

/** An OffsetCommit request for `version`, carrying only the fields that version has. */
function commitRequest(
  v: number,
  groupId: string,
  topics: { name: string; partitions: Commit[] }[],
  member: { generationId: number; memberId: string; groupInstanceId?: string | null } = { generationId: -1, memberId: '' },
): Input<OffsetCommitRequest> {
  const partition = (c: Commit): Input<OffsetCommitRequestPartition> => ({
    partitionIndex: c.partition,
    committedOffset: c.offset,
    committedMetadata: c.metadata === undefined ? null : c.metadata,
    ...(v >= 6 ? { committedLeaderEpoch: c.leaderEpoch ?? -1 } : {}),
    ...(v === 1 ? { commitTimestamp: 1_700_000_000_000n } : {}),
  });
  return {
    groupId,
    ...(v >= 1 ? { generationIdOrMemberEpoch: member.generationId, memberId: member.memberId } : {}),
    ...(v >= 7 ? { groupInstanceId: member.groupInstanceId ?? null } : {}),
    ...(v >= 2 && v <= 4 ? { retentionTimeMs: 86_400_000n } : {}),
    topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map(partition) })),
  };
}

function errors(r: OffsetCommitResponse): [string, number, number][] {
  return r.topics.flatMap((t) => t.partitions.map((p): [string, number, number] => [t.name, p.partitionIndex, p.errorCode]));
}

/** Flattens the v0–7 or v8+ shape of one group's OffsetFetch answer. */
function fetched(r: OffsetFetchResponse, v: number, groupIndex = 0): { errorCode: number; rows: [string, number, bigint, number, string | null, number][] } {
  const topics = v >= 8 ? r.groups[groupIndex].topics : r.topics;
  return {
    errorCode: v >= 8 ? r.groups[groupIndex].errorCode : r.errorCode,
    rows: topics.flatMap((t) =>
      t.partitions.map((p): [string, number, bigint, number, string | null, number] => [t.name, p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata, p.errorCode]),
    ),
  };
}

describe('offset handlers', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
    h.topics.set('t', 3);
    h.topics.set('u', 1);
  });
  after(async () => {
    await h.close();
  });

  /** A Stable group of one dynamic member at generation 1 (JoinGroup v5, SyncGroup v5). */
  async function stableGroup(groupId: string, topics: string[] = ['t'], protocolType = 'consumer'): Promise<{ memberId: string; generationId: number }> {
    const join = (memberId: string) =>
      h.call(JoinGroup, joinGroupHandler, {
        groupId,
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 30_000,
        memberId,
        protocolType,
        protocols: [{ name: 'range', metadata: subscription(topics) }],
      }, 5);
    const first = await join('');
    assert.equal(first.errorCode, E.MEMBER_ID_REQUIRED);
    const p = join(first.memberId);
    h.clock.runDue();
    const j = await p;
    assert.equal(j.errorCode, E.NONE);
    const s = await h.call(SyncGroup, syncGroupHandler, {
      groupId,
      generationId: j.generationId,
      memberId: j.memberId,
      protocolType,
      protocolName: 'range',
      assignments: [{ memberId: j.memberId, assignment: Buffer.from('all') }],
    }, 5);
    assert.equal(s.errorCode, E.NONE);
    return { memberId: j.memberId, generationId: j.generationId };
  }

  for (const v of versions(offsetCommitHandler)) {
    it(`OffsetCommit v${v}: a standalone commit (no member, generation -1) to an empty group is stored; unknown topics and partitions are refused`, async () => {
      const g = `simple-v${v}`;
      const r = await h.call(OffsetCommit, offsetCommitHandler, commitRequest(v, g, [
        { name: 't', partitions: [{ partition: 0, offset: 10n + BigInt(v), metadata: `meta-${v}`, leaderEpoch: 4 }, { partition: 2, offset: 7n, metadata: null }, { partition: 3, offset: 1n }] },
        { name: 'missing', partitions: [{ partition: 0, offset: 1n }] },
      ]), v);
      assert.deepEqual(errors(r), [
        ['t', 0, E.NONE],
        ['t', 2, E.NONE],
        ['t', 3, E.UNKNOWN_TOPIC_OR_PARTITION],
        ['missing', 0, E.UNKNOWN_TOPIC_OR_PARTITION],
      ]);
      const stored = await h.metadata.fetchOffsets(g);
      assert.deepEqual(
        stored.map((o) => [o.topic, o.partition, o.offset, o.leaderEpoch, o.metadata]),
        [
          ['t', 0, 10n + BigInt(v), v >= 6 ? 4 : -1, `meta-${v}`],
          ['t', 2, 7n, -1, ''],
        ],
        'null metadata is stored as the empty string; the leader epoch only from v6',
      );
    });
  }

  it('OffsetCommit: metadata over 4096 UTF-8 bytes is OFFSET_METADATA_TOO_LARGE for that partition only', async () => {
    const g = 'big-metadata';
    const r = await h.call(OffsetCommit, offsetCommitHandler, commitRequest(8, g, [
      { name: 't', partitions: [{ partition: 0, offset: 1n, metadata: 'm'.repeat(4096) }, { partition: 1, offset: 2n, metadata: 'é'.repeat(2049) }] },
    ]), 8);
    assert.deepEqual(errors(r), [['t', 0, E.NONE], ['t', 1, E.OFFSET_METADATA_TOO_LARGE]]);
    assert.deepEqual((await h.metadata.fetchOffsets(g)).map((o) => o.partition), [0]);
  });

  it('OffsetCommit, every version: a 10 KB group id is INVALID_GROUP_ID and nothing is stored; the empty group id is accepted (Kafka keeps it for compatibility)', async () => {
    const longId = 'g'.repeat(10 * 1024);
    for (const v of versions(offsetCommitHandler)) {
      const r = await h.call(OffsetCommit, offsetCommitHandler, commitRequest(v, longId, [{ name: 't', partitions: [{ partition: 0, offset: 1n }, { partition: 1, offset: 1n }] }]), v);
      assert.deepEqual(errors(r), [['t', 0, E.INVALID_GROUP_ID], ['t', 1, E.INVALID_GROUP_ID]], `v${v}`);
    }
    assert.ok(!(await h.metadata.listOffsetGroups()).includes(longId));
    const r = await h.call(OffsetCommit, offsetCommitHandler, commitRequest(8, '', [{ name: 't', partitions: [{ partition: 0, offset: 5n }] }]), 8);
    assert.deepEqual(errors(r), [['t', 0, E.NONE]]);
    await h.metadata.deleteGroupOffsets('');
  });

  it('OffsetCommit, v1–9: members of a Stable group commit with their generation; stale generation, unknown member and memberless commits are refused', async () => {
    const g = 'members';
    const { memberId, generationId } = await stableGroup(g);
    for (const v of versions(offsetCommitHandler)) {
      const commit = (member: { generationId: number; memberId: string; groupInstanceId?: string | null }) =>
        h.call(OffsetCommit, offsetCommitHandler, commitRequest(v, g, [{ name: 't', partitions: [{ partition: 1, offset: BigInt(100 + v) }] }], member), v);
      if (v === 0) {
        // v0 carries no member: a standalone commit, refused while the group has members.
        assert.deepEqual(errors(await commit({ generationId: -1, memberId: '' })), [['t', 1, E.UNKNOWN_MEMBER_ID]]);
        continue;
      }
      assert.deepEqual(errors(await commit({ memberId, generationId })), [['t', 1, E.NONE]], `v${v} current generation`);
      assert.deepEqual(errors(await commit({ memberId, generationId: generationId - 1 })), [['t', 1, E.ILLEGAL_GENERATION]], `v${v} stale generation`);
      assert.deepEqual(errors(await commit({ memberId: 'ghost', generationId })), [['t', 1, E.UNKNOWN_MEMBER_ID]], `v${v} unknown member`);
      assert.deepEqual(errors(await commit({ memberId: '', generationId: -1 })), [['t', 1, E.UNKNOWN_MEMBER_ID]], `v${v} memberless commit to a group with members`);
      if (v >= 7) {
        assert.deepEqual(errors(await commit({ memberId, generationId, groupInstanceId: 'not-me' })), [['t', 1, E.UNKNOWN_MEMBER_ID]], `v${v} wrong instance id`);
      }
    }
    const stored = await h.metadata.fetchOffsets(g);
    assert.deepEqual(stored.map((o) => [o.partition, o.offset]), [[1, 109n]], 'only the accepted commits were stored (the last one wins)');
  });

  it('OffsetCommit, v1–9: generation ≥ 0 for a group the coordinator does not hold is ILLEGAL_GENERATION (also v9: members must rejoin after a restart)', async () => {
    for (const v of versions(offsetCommitHandler).filter((x) => x >= 1)) {
      const r = await h.call(OffsetCommit, offsetCommitHandler, commitRequest(v, 'not-held', [{ name: 't', partitions: [{ partition: 0, offset: 1n }] }], { memberId: 'm-1', generationId: 3 }), v);
      assert.deepEqual(errors(r), [['t', 0, E.ILLEGAL_GENERATION]], `v${v}`);
    }
    assert.deepEqual(await h.metadata.fetchOffsets('not-held'), []);
  });

  it('OffsetCommit for only unknown topics answers without consulting the group (as Kafka)', async () => {
    const r = await h.call(OffsetCommit, offsetCommitHandler, commitRequest(8, 'x'.repeat(5000), [{ name: 'nope', partitions: [{ partition: 0, offset: 1n }] }]), 8);
    assert.deepEqual(errors(r), [['nope', 0, E.UNKNOWN_TOPIC_OR_PARTITION]]);
  });

  describe('OffsetFetch', () => {
    const g = 'fetch-me';
    before(async () => {
      const r = await h.call(OffsetCommit, offsetCommitHandler, commitRequest(8, g, [
        { name: 't', partitions: [{ partition: 0, offset: 42n, metadata: 'hello', leaderEpoch: 3 }, { partition: 2, offset: 7n, metadata: null, leaderEpoch: -1 }] },
        { name: 'u', partitions: [{ partition: 0, offset: 9n, metadata: 'ü-metadata' }] },
      ]), 8);
      assert.ok(errors(r).every(([, , e]) => e === E.NONE));
    });

    for (const v of versions(offsetFetchHandler)) {
      it(`v${v}: requested partitions, -1/'' where nothing is committed${v >= 2 ? ', and null topics = every committed partition' : ''}`, async () => {
        const topics = [{ name: 't', partitionIndexes: [2, 0, 1] }, { name: 'never', partitionIndexes: [0] }];
        const request = v >= 8 ? { groups: [{ groupId: g, topics }] } : { groupId: g, topics, ...(v >= 7 ? { requireStable: true } : {}) };
        const epoch = (e: number) => (v >= 5 ? e : -1);
        const r = fetched(await h.call(OffsetFetch, offsetFetchHandler, request, v), v);
        assert.equal(r.errorCode, E.NONE);
        assert.deepEqual(r.rows, [
          ['t', 2, 7n, -1, '', E.NONE],
          ['t', 0, 42n, epoch(3), 'hello', E.NONE],
          ['t', 1, -1n, -1, '', E.NONE],
          ['never', 0, -1n, -1, '', E.NONE],
        ]);
        if (v >= 2) {
          const all = v >= 8 ? { groups: [{ groupId: g, topics: null }] } : { groupId: g, topics: null };
          const r2 = fetched(await h.call(OffsetFetch, offsetFetchHandler, all, v), v);
          assert.equal(r2.errorCode, E.NONE);
          assert.deepEqual(r2.rows, [
            ['t', 0, 42n, epoch(3), 'hello', E.NONE],
            ['t', 2, 7n, -1, '', E.NONE],
            ['u', 0, 9n, -1, 'ü-metadata', E.NONE],
          ]);
          // A group without offsets is not an error: nothing to list.
          const none = v >= 8 ? { groups: [{ groupId: 'no-offsets', topics: null }] } : { groupId: 'no-offsets', topics: null };
          const r3 = fetched(await h.call(OffsetFetch, offsetFetchHandler, none, v), v);
          assert.deepEqual(r3, { errorCode: E.NONE, rows: [] });
        }
      });
    }

    it('v8–9 batch several groups, each answered on its own (v9 member id/epoch accepted)', async () => {
      for (const v of [8, 9]) {
        const r = await h.call(OffsetFetch, offsetFetchHandler, {
          groups: [
            { groupId: g, topics: [{ name: 'u', partitionIndexes: [0] }], ...(v >= 9 ? { memberId: 'someone', memberEpoch: 5 } : {}) },
            { groupId: 'empty-group', topics: [{ name: 't', partitionIndexes: [0] }] },
            { groupId: g, topics: null },
          ],
        }, v);
        assert.deepEqual(r.groups.map((x) => x.groupId), [g, 'empty-group', g]);
        assert.deepEqual(fetched(r, v, 0).rows, [['u', 0, 9n, -1, 'ü-metadata', E.NONE]]);
        assert.deepEqual(fetched(r, v, 1).rows, [['t', 0, -1n, -1, '', E.NONE]]);
        assert.equal(fetched(r, v, 2).rows.length, 3);
      }
    });
  });

  describe('OffsetDelete v0', () => {
    it('deletes offsets of an Empty group (known only by its offsets); unknown topics and partitions are refused', async () => {
      const g = 'delete-offsets';
      await h.metadata.commitOffsets(g, [
        { topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' },
        { topic: 't', partition: 1, offset: 2n, leaderEpoch: -1, metadata: '' },
        { topic: 'u', partition: 0, offset: 3n, leaderEpoch: -1, metadata: '' },
      ]);
      const r = await h.call(OffsetDelete, offsetDeleteHandler, {
        groupId: g,
        topics: [
          { name: 't', partitions: [{ partitionIndex: 0 }, { partitionIndex: 7 }] },
          { name: 'gone', partitions: [{ partitionIndex: 0 }] },
        ],
      }, 0);
      assert.equal(r.errorCode, E.NONE);
      assert.deepEqual(r.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])]), [
        ['t', [[0, E.NONE], [7, E.UNKNOWN_TOPIC_OR_PARTITION]]],
        ['gone', [[0, E.UNKNOWN_TOPIC_OR_PARTITION]]],
      ]);
      assert.deepEqual((await h.metadata.fetchOffsets(g)).map((o) => [o.topic, o.partition]), [['t', 1], ['u', 0]]);
      const f = fetched(await h.call(OffsetFetch, offsetFetchHandler, { groupId: g, topics: [{ name: 't', partitionIndexes: [0] }] }, 7), 7);
      assert.deepEqual(f.rows, [['t', 0, -1n, -1, '', E.NONE]]);
    });

    it('group-level errors: INVALID_GROUP_ID for the empty id, GROUP_ID_NOT_FOUND for a group with neither members nor offsets', async () => {
      const req = (groupId: string) => ({ groupId, topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
      assert.deepEqual(await h.call(OffsetDelete, offsetDeleteHandler, req(''), 0), { errorCode: E.INVALID_GROUP_ID, throttleTimeMs: 0, topics: [] });
      assert.deepEqual(await h.call(OffsetDelete, offsetDeleteHandler, req('never-existed'), 0), { errorCode: E.GROUP_ID_NOT_FOUND, throttleTimeMs: 0, topics: [] });
    });

    it('an active consumer group: GROUP_SUBSCRIBED_TO_TOPIC for its subscribed topics, others deleted', async () => {
      const g = 'subscribed';
      const { memberId, generationId } = await stableGroup(g, ['t']);
      const c = await h.call(OffsetCommit, offsetCommitHandler, commitRequest(8, g, [
        { name: 't', partitions: [{ partition: 0, offset: 5n }] },
        { name: 'u', partitions: [{ partition: 0, offset: 6n }] },
      ], { memberId, generationId }), 8);
      assert.ok(errors(c).every(([, , e]) => e === E.NONE));
      const r = await h.call(OffsetDelete, offsetDeleteHandler, {
        groupId: g,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }, { name: 'u', partitions: [{ partitionIndex: 0 }] }],
      }, 0);
      assert.equal(r.errorCode, E.NONE);
      assert.deepEqual(r.topics.map((t) => [t.name, t.partitions.map((p) => p.errorCode)]), [
        ['t', [E.GROUP_SUBSCRIBED_TO_TOPIC]],
        ['u', [E.NONE]],
      ]);
      assert.deepEqual((await h.metadata.fetchOffsets(g)).map((o) => o.topic), ['t']);
    });

    it('a non-consumer group with members is NON_EMPTY_GROUP', async () => {
      const g = 'connect-like';
      await stableGroup(g, ['t'], 'connect');
      const r = await h.call(OffsetDelete, offsetDeleteHandler, { groupId: g, topics: [{ name: 'u', partitions: [{ partitionIndex: 0 }] }] }, 0);
      assert.equal(r.errorCode, E.NON_EMPTY_GROUP);
      assert.deepEqual(r.topics, []);
    });
  });
});
