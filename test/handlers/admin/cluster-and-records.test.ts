import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import type { DescribeTopicPartitionsResponse } from '../../../protocol/generated/describe-topic-partitions.js';
import { ZERO_UUID } from '../../../protocol/runtime/helpers.js';
import { describeClusterHandler, CLUSTER_AUTHORIZED_OPERATIONS } from '../../../src/handlers/describe-cluster.js';
import { deleteRecordsHandler } from '../../../src/handlers/delete-records.js';
import { describeTopicPartitionsHandler } from '../../../src/handlers/describe-topic-partitions.js';
import { openHarness, versions, type AdminHarness } from './harness.js';

describe('DescribeCluster', () => {
  let h: AdminHarness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => h.close());

  for (const v of versions(describeClusterHandler)) {
    it(`v${v}: this node is the controller and the only broker`, async () => {
      const res = await h.call(ApiKey.DescribeCluster, describeClusterHandler, { includeClusterAuthorizedOperations: false }, v);
      assert.equal(res.errorCode, ErrorCode.NONE);
      assert.equal(res.errorMessage, null);
      assert.equal(res.clusterId, 'admin-test-cluster');
      assert.equal(res.controllerId, 3);
      assert.deepEqual(res.brokers, [{ brokerId: 3, host: 'broker.test', port: 19092, rack: null }]);
      assert.equal(res.clusterAuthorizedOperations, -2147483648);
      assert.equal(res.endpointType, 1);
      const asked = await h.call(ApiKey.DescribeCluster, describeClusterHandler, { includeClusterAuthorizedOperations: true }, v);
      assert.equal(asked.clusterAuthorizedOperations, CLUSTER_AUTHORIZED_OPERATIONS);
      // ALTER (7), DESCRIBE (8), DESCRIBE_CONFIGS (10), ALTER_CONFIGS (11) among them.
      for (const op of [7, 8, 10, 11]) assert.ok(asked.clusterAuthorizedOperations & (1 << op));
    });
  }

  it('v1: controllers are MISMATCHED_ENDPOINT_TYPE, unknown endpoint types UNSUPPORTED_ENDPOINT_TYPE', async () => {
    const controllers = await h.call(ApiKey.DescribeCluster, describeClusterHandler, { endpointType: 2 }, 1);
    assert.equal(controllers.errorCode, ErrorCode.MISMATCHED_ENDPOINT_TYPE);
    assert.deepEqual(controllers.brokers, []);
    const other = await h.call(ApiKey.DescribeCluster, describeClusterHandler, { endpointType: 7 }, 1);
    assert.equal(other.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
    assert.match(other.errorMessage ?? '', /7/);
  });
});

describe('DeleteRecords', () => {
  let h: AdminHarness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => h.close());

  for (const v of versions(deleteRecordsHandler)) {
    it(`v${v}: raises the log start offset, in memory and in the metadata store, and drops whole segments below it`, async () => {
      const name = `trimmed-v${v}`;
      await h.logs.createTopic(name, 2, {});
      await h.produce(name, 0, 5); // five one-record segments: offsets 0..4
      const p = h.logs.topic(name)!.partitions[0];
      assert.equal(p.highWatermark, 5n);
      assert.equal(p.segmentCount, 5);

      const res = await h.call(ApiKey.DeleteRecords, deleteRecordsHandler, { topics: [{ name, partitions: [{ partitionIndex: 0, offset: 3n }] }], timeoutMs: 1000 }, v);
      assert.deepEqual(res.topics, [{ name, partitions: [{ partitionIndex: 0, lowWatermark: 3n, errorCode: ErrorCode.NONE }] }]);
      assert.equal(p.logStartOffset, 3n);
      assert.deepEqual([...p.segments()].map((s) => s.baseOffset), [3n, 4n]);
      const stored = (await h.metadata.listPartitions(p.topicId)).find((s) => s.partition === 0)!;
      assert.equal(stored.logStartOffset, 3n);
      assert.deepEqual((await h.metadata.listSegments(p.topicId, 0)).map((s) => s.baseOffset), [3n, 4n]);

      // Lower than the current start: nothing changes, the current start comes back.
      const lower = await h.call(ApiKey.DeleteRecords, deleteRecordsHandler, { topics: [{ name, partitions: [{ partitionIndex: 0, offset: 1n }] }] }, v);
      assert.equal(lower.topics[0].partitions[0].lowWatermark, 3n);

      // -1 means the high watermark.
      const all = await h.call(ApiKey.DeleteRecords, deleteRecordsHandler, { topics: [{ name, partitions: [{ partitionIndex: 0, offset: -1n }] }] }, v);
      assert.deepEqual(all.topics[0].partitions[0], { partitionIndex: 0, lowWatermark: 5n, errorCode: ErrorCode.NONE });
      assert.equal(p.segmentCount, 0);

      const bad = await h.call(ApiKey.DeleteRecords, deleteRecordsHandler,
        {
          topics: [
            { name, partitions: [{ partitionIndex: 1, offset: 1n }, { partitionIndex: 0, offset: -2n }, { partitionIndex: 9, offset: 0n }] },
            { name: 'missing', partitions: [{ partitionIndex: 0, offset: 0n }] },
          ],
        },
        v,
      );
      assert.deepEqual(
        bad.topics.map((t) => t.partitions.map((x) => [x.partitionIndex, x.errorCode, x.lowWatermark])),
        [
          [
            [1, ErrorCode.OFFSET_OUT_OF_RANGE, -1n],
            [0, ErrorCode.OFFSET_OUT_OF_RANGE, -1n],
            [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
          ],
          [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n]],
        ],
      );
    });
  }

  it('keeps later data readable from the new start, and refuses compact-only topics', async () => {
    await h.logs.createTopic('readable', 1, {});
    await h.produce('readable', 0, 4);
    const p = h.logs.topic('readable')!.partitions[0];
    await h.call(ApiKey.DeleteRecords, deleteRecordsHandler, { topics: [{ name: 'readable', partitions: [{ partitionIndex: 0, offset: 2n }] }] }, 2);
    const { batches } = await h.logs.reader.read(p, 2n, 1 << 20, true);
    assert.equal(batches.length, 2);

    await h.logs.createTopic('compacted', 1, { 'cleanup.policy': 'compact' });
    await h.produce('compacted', 0, 2);
    const res = await h.call(ApiKey.DeleteRecords, deleteRecordsHandler, { topics: [{ name: 'compacted', partitions: [{ partitionIndex: 0, offset: 1n }] }] }, 2);
    assert.equal(res.topics[0].partitions[0].errorCode, ErrorCode.POLICY_VIOLATION);
    assert.equal(h.logs.topic('compacted')!.partitions[0].logStartOffset, 0n);
  });
});

describe('DescribeTopicPartitions', () => {
  let h: AdminHarness;
  before(async () => {
    h = await openHarness();
    await h.logs.createTopic('alpha', 3, {});
    await h.logs.createTopic('beta', 2, {});
    await h.logs.createTopic('gamma', 1, {});
  });
  after(async () => h.close());

  it('v0: describes topics by name like Metadata, in name order, with unknown ones flagged', async () => {
    const res = await h.call(ApiKey.DescribeTopicPartitions, describeTopicPartitionsHandler, { topics: [{ name: 'beta' }, { name: 'nope' }, { name: 'alpha' }, { name: 'bad name' }] }, 0);
    assert.equal(res.nextCursor, null);
    assert.deepEqual(res.topics.map((t) => [t.name, t.errorCode]), [
      ['alpha', ErrorCode.NONE],
      ['bad name', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['beta', ErrorCode.NONE],
      ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    const alpha = res.topics[0];
    assert.equal(alpha.topicId, h.logs.topic('alpha')!.record.id);
    assert.equal(alpha.isInternal, false);
    assert.equal(alpha.topicAuthorizedOperations, -2147483648);
    assert.deepEqual(alpha.partitions[1], {
      errorCode: ErrorCode.NONE,
      partitionIndex: 1,
      leaderId: 3,
      leaderEpoch: 0,
      replicaNodes: [3],
      isrNodes: [3],
      eligibleLeaderReplicas: [],
      lastKnownElr: [],
      offlineReplicas: [],
    });
    assert.equal(res.topics[3].topicId, ZERO_UUID);
    assert.deepEqual(res.topics[3].partitions, []);
  });

  it('v0: an empty list means every topic; pages by responsePartitionLimit with a cursor', async () => {
    const everything = await h.call(ApiKey.DescribeTopicPartitions, describeTopicPartitionsHandler, { topics: [] }, 0);
    assert.deepEqual(everything.topics.map((t) => [t.name, t.partitions.length]), [
      ['alpha', 3],
      ['beta', 2],
      ['gamma', 1],
    ]);

    const seen: string[] = [];
    let cursor: { topicName: string; partitionIndex: number } | null = null;
    let pages = 0;
    do {
      const res: DescribeTopicPartitionsResponse = await h.call(ApiKey.DescribeTopicPartitions, describeTopicPartitionsHandler, { topics: [], responsePartitionLimit: 2, cursor }, 0);
      pages++;
      for (const t of res.topics) for (const p of t.partitions) seen.push(`${t.name}-${p.partitionIndex}`);
      assert.ok(res.topics.reduce((n, t) => n + t.partitions.length, 0) <= 2);
      cursor = res.nextCursor;
    } while (cursor !== null && pages < 10);
    assert.deepEqual(seen, ['alpha-0', 'alpha-1', 'alpha-2', 'beta-0', 'beta-1', 'gamma-0']);
    assert.equal(pages, 3);

    const first = await h.call(ApiKey.DescribeTopicPartitions, describeTopicPartitionsHandler, { topics: [{ name: 'alpha' }, { name: 'gamma' }], responsePartitionLimit: 2 }, 0);
    assert.deepEqual(first.nextCursor, { topicName: 'alpha', partitionIndex: 2 });
    const rest = await h.call(ApiKey.DescribeTopicPartitions, describeTopicPartitionsHandler, { topics: [{ name: 'alpha' }, { name: 'gamma' }], responsePartitionLimit: 2, cursor: first.nextCursor }, 0);
    assert.deepEqual(rest.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]), [
      ['alpha', [2]],
      ['gamma', [0]],
    ]);
    assert.equal(rest.nextCursor, null);

    const exact = await h.call(ApiKey.DescribeTopicPartitions, describeTopicPartitionsHandler, { topics: [{ name: 'alpha' }, { name: 'beta' }], responsePartitionLimit: 3 }, 0);
    assert.deepEqual(exact.nextCursor, { topicName: 'beta', partitionIndex: 0 }, 'a full page points at the next topic');

    const stray = await h.call(ApiKey.DescribeTopicPartitions, describeTopicPartitionsHandler, { topics: [{ name: 'alpha' }], cursor: { topicName: 'beta', partitionIndex: 0 } }, 0);
    assert.deepEqual(stray.topics.map((t) => t.errorCode), [ErrorCode.INVALID_REQUEST]);
  });
});
