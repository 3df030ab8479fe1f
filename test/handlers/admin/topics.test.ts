import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { ZERO_UUID } from '../../../protocol/runtime/helpers.js';
import { createTopicsHandler } from '../../../src/handlers/create-topics.js';
import { deleteTopicsHandler } from '../../../src/handlers/delete-topics.js';
import { createPartitionsHandler } from '../../../src/handlers/create-partitions.js';
import { CONFIG_SOURCE, TOPIC_CONFIGS } from '../../../src/log/topic-config.js';
import { openHarness, versions, type AdminHarness } from './harness.js';

describe('CreateTopics', () => {
  let h: AdminHarness;
  before(async () => {
    h = await openHarness({ defaultPartitions: 4 });
  });
  after(async () => h.close());

  for (const v of versions(createTopicsHandler)) {
    describe(`v${v}`, () => {
      it('creates a topic that is visible at once, reporting what v5+ reports', async () => {
        const name = `orders-v${v}`;
        const res = await h.call(ApiKey.CreateTopics, createTopicsHandler, { topics: [{ name, numPartitions: 2, replicationFactor: 3, configs: [{ name: 'retention.ms', value: '1000' }] }], timeoutMs: 1000 }, v);
        assert.equal(res.topics.length, 1);
        const t = res.topics[0];
        assert.equal(t.name, name);
        assert.equal(t.errorCode, ErrorCode.NONE);
        if (v >= 1) assert.equal(t.errorMessage, null);
        const state = h.logs.topic(name);
        assert.ok(state, 'topic visible in the LogManager');
        assert.equal(state.partitions.length, 2);
        assert.deepEqual(state.record.configs, { 'retention.ms': '1000' });
        assert.equal(state.config.retentionMs, 1000);
        assert.ok(await h.metadata.getTopic(name));
        if (v >= 5) {
          assert.equal(t.numPartitions, 2);
          assert.equal(t.replicationFactor, 3, 'replication factor 3 is accepted and reported as asked');
          assert.ok(t.configs);
          assert.equal(t.configs.length, TOPIC_CONFIGS.length);
          const retention = t.configs.find((c) => c.name === 'retention.ms');
          assert.deepEqual(retention, { name: 'retention.ms', value: '1000', readOnly: false, configSource: CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG, isSensitive: false });
          const cleanup = t.configs.find((c) => c.name === 'cleanup.policy');
          assert.deepEqual(cleanup, { name: 'cleanup.policy', value: 'delete', readOnly: false, configSource: CONFIG_SOURCE.DEFAULT_CONFIG, isSensitive: false });
        } else {
          assert.equal(t.numPartitions, -1);
        }
        assert.equal(t.topicId, v >= 7 ? state.record.id : ZERO_UUID);
      });

      it('refuses an existing topic with TOPIC_ALREADY_EXISTS', async () => {
        const name = `orders-v${v}`;
        const res = await h.call(ApiKey.CreateTopics, createTopicsHandler, { topics: [{ name, numPartitions: 5, replicationFactor: 1 }] }, v);
        assert.equal(res.topics[0].errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
        if (v >= 5) {
          assert.equal(res.topics[0].numPartitions, -1);
          assert.equal(res.topics[0].replicationFactor, -1);
        }
        assert.equal(h.logs.topic(name)!.partitions.length, 2, 'unchanged');
      });

      it('uses the default partition count for -1 and reports replication factor 1 for -1', async () => {
        const name = `defaults-v${v}`;
        const res = await h.call(ApiKey.CreateTopics, createTopicsHandler, { topics: [{ name, numPartitions: -1, replicationFactor: -1 }] }, v);
        assert.equal(res.topics[0].errorCode, ErrorCode.NONE);
        assert.equal(h.logs.topic(name)!.partitions.length, 4);
        if (v >= 5) {
          assert.equal(res.topics[0].numPartitions, 4);
          assert.equal(res.topics[0].replicationFactor, 1);
        }
      });

      it('rejects bad names, partition counts, replication factors and configs', async () => {
        const res = await h.call(ApiKey.CreateTopics, createTopicsHandler,
          {
            topics: [
              { name: '', numPartitions: 1, replicationFactor: 1 },
              { name: '..', numPartitions: 1, replicationFactor: 1 },
              { name: 'has space', numPartitions: 1, replicationFactor: 1 },
              { name: 'x'.repeat(250), numPartitions: 1, replicationFactor: 1 },
              { name: `zero-partitions-v${v}`, numPartitions: 0, replicationFactor: 1 },
              { name: `zero-replicas-v${v}`, numPartitions: 1, replicationFactor: 0 },
              { name: `unknown-config-v${v}`, numPartitions: 1, replicationFactor: 1, configs: [{ name: 'no.such.config', value: '1' }] },
              { name: `bad-value-v${v}`, numPartitions: 1, replicationFactor: 1, configs: [{ name: 'retention.ms', value: 'soon' }] },
              { name: `null-value-v${v}`, numPartitions: 1, replicationFactor: 1, configs: [{ name: 'retention.ms', value: null }] },
            ],
          },
          v,
        );
        assert.deepEqual(
          res.topics.map((t) => t.errorCode),
          [
            ErrorCode.INVALID_TOPIC_EXCEPTION,
            ErrorCode.INVALID_TOPIC_EXCEPTION,
            ErrorCode.INVALID_TOPIC_EXCEPTION,
            ErrorCode.INVALID_TOPIC_EXCEPTION,
            ErrorCode.INVALID_PARTITIONS,
            ErrorCode.INVALID_REPLICATION_FACTOR,
            ErrorCode.INVALID_CONFIG,
            ErrorCode.INVALID_CONFIG,
            ErrorCode.INVALID_CONFIG,
          ],
        );
        if (v >= 1) {
          assert.match(res.topics[6].errorMessage ?? '', /no\.such\.config/);
          assert.match(res.topics[7].errorMessage ?? '', /retention\.ms/);
        }
        for (const t of res.topics) assert.equal(h.logs.topic(t.name), undefined, `${t.name} not created`);
      });

      it('fails every entry of a name given twice with INVALID_REQUEST, once', async () => {
        const name = `twice-v${v}`;
        const res = await h.call(ApiKey.CreateTopics, createTopicsHandler, { topics: [{ name, numPartitions: 1, replicationFactor: 1 }, { name: `once-v${v}`, numPartitions: 1, replicationFactor: 1 }, { name, numPartitions: 2, replicationFactor: 1 }] }, v);
        assert.deepEqual(
          res.topics.map((t) => [t.name, t.errorCode]),
          [
            [name, ErrorCode.INVALID_REQUEST],
            [`once-v${v}`, ErrorCode.NONE],
          ],
        );
        assert.equal(h.logs.topic(name), undefined);
      });

      it('takes the partition count from manual assignments', async () => {
        const name = `assigned-v${v}`;
        const assignments = [0, 1, 2].map((partitionIndex) => ({ partitionIndex, brokerIds: [1, 2] }));
        const res = await h.call(ApiKey.CreateTopics, createTopicsHandler, { topics: [{ name, numPartitions: -1, replicationFactor: -1, assignments }] }, v);
        assert.equal(res.topics[0].errorCode, ErrorCode.NONE);
        assert.equal(h.logs.topic(name)!.partitions.length, 3);
        if (v >= 5) assert.equal(res.topics[0].replicationFactor, 2);
        const both = await h.call(ApiKey.CreateTopics, createTopicsHandler, { topics: [{ name: `${name}-both`, numPartitions: 3, replicationFactor: -1, assignments }] }, v);
        assert.equal(both.topics[0].errorCode, ErrorCode.INVALID_REQUEST);
        const gap = await h.call(ApiKey.CreateTopics, createTopicsHandler, { topics: [{ name: `${name}-gap`, numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 2, brokerIds: [1] }] }] }, v);
        assert.equal(gap.topics[0].errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
      });

      if (v >= 1) {
        it('validateOnly checks everything and creates nothing', async () => {
          const name = `dry-run-v${v}`;
          const res = await h.call(ApiKey.CreateTopics, createTopicsHandler, { topics: [{ name, numPartitions: 3, replicationFactor: 3, configs: [{ name: 'cleanup.policy', value: 'compact' }] }], validateOnly: true }, v);
          assert.equal(res.topics[0].errorCode, ErrorCode.NONE);
          if (v >= 5) assert.equal(res.topics[0].numPartitions, 3);
          assert.equal(h.logs.topic(name), undefined);
          assert.equal(await h.metadata.getTopic(name), null);
          const existing = await h.call(ApiKey.CreateTopics, createTopicsHandler, { topics: [{ name: `orders-v${v}`, numPartitions: 1, replicationFactor: 1 }], validateOnly: true }, v);
          assert.equal(existing.topics[0].errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
          const bad = await h.call(ApiKey.CreateTopics, createTopicsHandler, { topics: [{ name, numPartitions: 1, replicationFactor: 1, configs: [{ name: 'cleanup.policy', value: 'shred' }] }], validateOnly: true }, v);
          assert.equal(bad.topics[0].errorCode, ErrorCode.INVALID_CONFIG);
        });
      }
    });
  }

  it('refuses a name that collides with an existing one once . reads as _', async () => {
    assert.equal((await h.call(ApiKey.CreateTopics, createTopicsHandler, { topics: [{ name: 'metrics.cpu', numPartitions: 1, replicationFactor: 1 }] }, 7)).topics[0].errorCode, ErrorCode.NONE);
    const res = await h.call(ApiKey.CreateTopics, createTopicsHandler, { topics: [{ name: 'metrics_cpu', numPartitions: 1, replicationFactor: 1 }] }, 7);
    assert.equal(res.topics[0].errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.match(res.topics[0].errorMessage ?? '', /collides/);
  });

  it('accepts a 249-character name and reports configs as STATIC_BROKER_CONFIG when a broker flag sets them', async () => {
    const other = await openHarness({ defaultSegmentCompression: 'none' });
    try {
      const name = 'y'.repeat(249);
      const res = await other.call(ApiKey.CreateTopics, createTopicsHandler, { topics: [{ name, numPartitions: 1, replicationFactor: 1 }] }, 7);
      assert.equal(res.topics[0].errorCode, ErrorCode.NONE);
      const framing = res.topics[0].configs!.find((c) => c.name === 'streamhouse.segment.compression');
      assert.deepEqual([framing?.value, framing?.configSource], ['none', CONFIG_SOURCE.STATIC_BROKER_CONFIG]);
      assert.equal(other.logs.topic(name)!.config.segmentCompression, 'none');
    } finally {
      await other.close();
    }
  });
});

describe('DeleteTopics', () => {
  let h: AdminHarness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => h.close());

  async function create(name: string, partitions = 1): Promise<string> {
    const t = await h.logs.createTopic(name, partitions, { 'retention.ms': '5000' });
    return t.record.id;
  }

  for (const v of versions(deleteTopicsHandler)) {
    it(`v${v}: deletes by name; an unknown name is UNKNOWN_TOPIC_OR_PARTITION`, async () => {
      const id = await create(`doomed-v${v}`);
      const request = v >= 6 ? { topics: [{ name: `doomed-v${v}` }, { name: `never-v${v}` }] } : { topicNames: [`doomed-v${v}`, `never-v${v}`] };
      const res = await h.call(ApiKey.DeleteTopics, deleteTopicsHandler, request, v);
      assert.deepEqual(
        res.responses.map((r) => [r.name, r.errorCode]),
        [
          [`doomed-v${v}`, ErrorCode.NONE],
          [`never-v${v}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ],
      );
      if (v >= 6) assert.equal(res.responses[0].topicId, id);
      if (v >= 5) {
        assert.equal(res.responses[0].errorMessage, null);
        assert.ok(res.responses[1].errorMessage);
      }
      assert.equal(h.logs.topic(`doomed-v${v}`), undefined);
      assert.equal(await h.metadata.getTopic(`doomed-v${v}`), null);
    });
  }

  it('v6: deletes by topic id; an unknown id is UNKNOWN_TOPIC_ID', async () => {
    const id = await create('by-id', 2);
    const unknown = '0f0e0d0c-0b0a-4908-8706-050403020100';
    const res = await h.call(ApiKey.DeleteTopics, deleteTopicsHandler, { topics: [{ name: null, topicId: id }, { name: null, topicId: unknown }] }, 6);
    assert.deepEqual(
      res.responses.map((r) => [r.name, r.topicId, r.errorCode]),
      [
        ['by-id', id, ErrorCode.NONE],
        [null, unknown, ErrorCode.UNKNOWN_TOPIC_ID],
      ],
    );
    assert.equal(h.logs.topicById(id), undefined);
    assert.equal(h.logs.topic('by-id'), undefined);
  });

  it('a name given twice is INVALID_REQUEST and nothing is deleted', async () => {
    await create('twice');
    const res = await h.call(ApiKey.DeleteTopics, deleteTopicsHandler, { topicNames: ['twice', 'twice'] }, 5);
    assert.deepEqual(res.responses.map((r) => [r.name, r.errorCode]), [['twice', ErrorCode.INVALID_REQUEST]]);
    assert.ok(h.logs.topic('twice'));
  });

  it('removes committed offsets and config overrides: a re-created topic starts clean', async () => {
    await create('recycled', 2);
    await h.metadata.commitOffsets('g1', [
      { topic: 'recycled', partition: 0, offset: 10n, leaderEpoch: -1, metadata: null },
      { topic: 'recycled', partition: 1, offset: 20n, leaderEpoch: -1, metadata: null },
      { topic: 'kept', partition: 0, offset: 5n, leaderEpoch: -1, metadata: null },
    ]);
    const res = await h.call(ApiKey.DeleteTopics, deleteTopicsHandler, { topicNames: ['recycled'] }, 4);
    assert.equal(res.responses[0].errorCode, ErrorCode.NONE);
    assert.deepEqual(await h.metadata.fetchOffsets('g1', ['recycled']), []);
    assert.equal((await h.metadata.fetchOffsets('g1', ['kept'])).length, 1, 'other topics keep their offsets');
    const again = await h.logs.createTopic('recycled', 1, {});
    assert.deepEqual(again.record.configs, {});
  });
});

describe('CreatePartitions', () => {
  let h: AdminHarness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => h.close());

  for (const v of versions(createPartitionsHandler)) {
    it(`v${v}: grows a topic; the same or a smaller count is INVALID_PARTITIONS; validateOnly changes nothing`, async () => {
      const name = `growing-v${v}`;
      await h.logs.createTopic(name, 2, {});
      const dry = await h.call(ApiKey.CreatePartitions, createPartitionsHandler, { topics: [{ name, count: 5, assignments: null }], validateOnly: true }, v);
      assert.deepEqual(dry.results.map((r) => [r.name, r.errorCode, r.errorMessage]), [[name, ErrorCode.NONE, null]]);
      assert.equal(h.logs.topic(name)!.partitions.length, 2);

      const grown = await h.call(ApiKey.CreatePartitions, createPartitionsHandler, { topics: [{ name, count: 4, assignments: null }] }, v);
      assert.equal(grown.results[0].errorCode, ErrorCode.NONE);
      assert.deepEqual(h.logs.topic(name)!.partitions.map((p) => p.partition), [0, 1, 2, 3]);
      assert.equal((await h.metadata.getTopic(name))!.partitionCount, 4);

      const same = await h.call(ApiKey.CreatePartitions, createPartitionsHandler, { topics: [{ name, count: 4, assignments: null }] }, v);
      assert.equal(same.results[0].errorCode, ErrorCode.INVALID_PARTITIONS);
      assert.match(same.results[0].errorMessage ?? '', /already has 4/);
      const shrink = await h.call(ApiKey.CreatePartitions, createPartitionsHandler, { topics: [{ name, count: 1, assignments: null }] }, v);
      assert.equal(shrink.results[0].errorCode, ErrorCode.INVALID_PARTITIONS);
      assert.equal(h.logs.topic(name)!.partitions.length, 4);
    });
  }

  it('checks assignments, unknown topics and duplicates', async () => {
    await h.logs.createTopic('assigned', 1, {});
    const res = await h.call(ApiKey.CreatePartitions, createPartitionsHandler,
      {
        topics: [
          { name: 'assigned', count: 3, assignments: [{ brokerIds: [1] }] },
          { name: 'missing', count: 3, assignments: null },
          { name: 'dup', count: 2, assignments: null },
          { name: 'dup', count: 3, assignments: null },
        ],
      },
      3,
    );
    assert.deepEqual(
      res.results.map((r) => [r.name, r.errorCode]),
      [
        ['assigned', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
        ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ['dup', ErrorCode.INVALID_REQUEST],
      ],
    );
    const ok = await h.call(ApiKey.CreatePartitions, createPartitionsHandler, { topics: [{ name: 'assigned', count: 3, assignments: [{ brokerIds: [1] }, { brokerIds: [2, 3] }] }] }, 3);
    assert.equal(ok.results[0].errorCode, ErrorCode.NONE);
    assert.equal(h.logs.topic('assigned')!.partitions.length, 3);
  });
});
