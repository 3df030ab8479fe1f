import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import type { DescribeConfigsResponse } from '../../../protocol/generated/describe-configs.js';
import { describeConfigsHandler, RESOURCE_TYPE } from '../../../src/handlers/describe-configs.js';
import { incrementalAlterConfigsHandler, CONFIG_OPERATION } from '../../../src/handlers/incremental-alter-configs.js';
import { alterConfigsHandler } from '../../../src/handlers/alter-configs.js';
import { CONFIG_SOURCE, CONFIG_TYPE, TOPIC_CONFIGS } from '../../../src/log/topic-config.js';
import { openHarness, versions, type AdminHarness } from './harness.js';

const { TOPIC, BROKER } = RESOURCE_TYPE;
const { SET, DELETE, APPEND, SUBTRACT } = CONFIG_OPERATION;

type Entry = DescribeConfigsResponse['results'][number]['configs'][number];

function byName(configs: Entry[]): Map<string, Entry> {
  return new Map(configs.map((c) => [c.name, c]));
}

describe('DescribeConfigs', () => {
  let h: AdminHarness;
  before(async () => {
    h = await openHarness({ defaultPartitions: 6 });
    await h.logs.createTopic('described', 1, { 'retention.ms': '3600000', 'cleanup.policy': 'compact' });
  });
  after(async () => h.close());

  for (const v of versions(describeConfigsHandler)) {
    it(`v${v}: null keys list every topic config with its value and source`, async () => {
      const res = await h.call(ApiKey.DescribeConfigs, describeConfigsHandler, { resources: [{ resourceType: TOPIC, resourceName: 'described', configurationKeys: null }], includeSynonyms: v >= 1, includeDocumentation: v >= 3 }, v);
      const [r] = res.results;
      assert.deepEqual([r.errorCode, r.errorMessage, r.resourceType, r.resourceName], [ErrorCode.NONE, null, TOPIC, 'described']);
      assert.deepEqual(r.configs.map((c) => c.name), TOPIC_CONFIGS.map((c) => c.name));
      const c = byName(r.configs);
      const retention = c.get('retention.ms')!;
      const segment = c.get('segment.bytes')!;
      assert.equal(retention.value, '3600000');
      assert.equal(segment.value, '67108864');
      assert.equal(c.get('cleanup.policy')!.value, 'compact');
      assert.equal(retention.readOnly, false);
      assert.equal(retention.isSensitive, false);
      if (v === 0) {
        assert.equal(retention.isDefault, false);
        assert.equal(segment.isDefault, true);
      } else {
        assert.equal(retention.configSource, CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG);
        assert.equal(segment.configSource, CONFIG_SOURCE.DEFAULT_CONFIG);
        assert.deepEqual(retention.synonyms, [
          { name: 'retention.ms', value: '3600000', source: CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG },
          { name: 'log.retention.ms', value: '604800000', source: CONFIG_SOURCE.DEFAULT_CONFIG },
        ]);
        assert.deepEqual(segment.synonyms, [{ name: 'log.segment.bytes', value: '67108864', source: CONFIG_SOURCE.DEFAULT_CONFIG }]);
      }
      if (v >= 3) {
        assert.equal(retention.configType, CONFIG_TYPE.LONG);
        assert.equal(segment.configType, CONFIG_TYPE.INT);
        assert.equal(c.get('cleanup.policy')!.configType, CONFIG_TYPE.LIST);
        assert.equal(c.get('preallocate')!.configType, CONFIG_TYPE.BOOLEAN);
        assert.ok(retention.documentation && retention.documentation.length > 0);
      }
    });

    it(`v${v}: listed keys give just those configs; unknown keys are left out`, async () => {
      const res = await h.call(ApiKey.DescribeConfigs, describeConfigsHandler, { resources: [{ resourceType: TOPIC, resourceName: 'described', configurationKeys: ['retention.bytes', 'cleanup.policy', 'no.such.key'] }] }, v);
      const configs = res.results[0].configs;
      assert.deepEqual(configs.map((c) => [c.name, c.value]), [
        ['cleanup.policy', 'compact'],
        ['retention.bytes', '-1'],
      ]);
      if (v >= 1) assert.deepEqual(configs[0].synonyms, [], 'no synonyms unless asked');
      if (v >= 3) assert.equal(configs[0].documentation, null, 'no documentation unless asked');
    });

    it(`v${v}: an unknown topic is UNKNOWN_TOPIC_OR_PARTITION, an unknown resource type INVALID_REQUEST`, async () => {
      const res = await h.call(ApiKey.DescribeConfigs, describeConfigsHandler,
        {
          resources: [
            { resourceType: TOPIC, resourceName: 'nope', configurationKeys: null },
            { resourceType: 99, resourceName: 'x', configurationKeys: null },
            { resourceType: TOPIC, resourceName: 'described', configurationKeys: ['retention.ms'] },
          ],
        },
        v,
      );
      assert.deepEqual(res.results.map((r) => [r.resourceName, r.errorCode, r.configs.length]), [
        ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0],
        ['x', ErrorCode.INVALID_REQUEST, 0],
        ['described', ErrorCode.NONE, 1],
      ]);
    });

    it(`v${v}: the broker resource lists read-only broker configs reflecting BrokerConfig`, async () => {
      const res = await h.call(ApiKey.DescribeConfigs, describeConfigsHandler, { resources: [{ resourceType: BROKER, resourceName: '3', configurationKeys: null }], includeSynonyms: v >= 1 }, v);
      const [r] = res.results;
      assert.equal(r.errorCode, ErrorCode.NONE);
      const c = byName(r.configs);
      assert.equal(c.get('broker.id')!.value, '3');
      assert.equal(c.get('num.partitions')!.value, '6');
      assert.equal(c.get('auto.create.topics.enable')!.value, 'true');
      assert.equal(c.get('message.max.bytes')!.value, '1048588');
      assert.equal(c.get('socket.request.max.bytes')!.value, String(h.config.maxRequestBytes));
      assert.equal(c.get('log.retention.ms')!.value, '604800000');
      assert.equal(c.get('log.retention.bytes')!.value, '-1');
      assert.equal(c.get('default.replication.factor')!.value, '1');
      assert.equal(c.get('min.insync.replicas')!.value, '1');
      assert.equal(c.get('offsets.topic.replication.factor')!.value, '1');
      assert.equal(c.get('group.initial.rebalance.delay.ms')!.value, String(h.config.groupInitialRebalanceDelayMs));
      assert.ok(r.configs.every((e) => e.readOnly), 'no dynamic broker configs');
      if (v >= 1) {
        assert.equal(c.get('num.partitions')!.configSource, CONFIG_SOURCE.STATIC_BROKER_CONFIG, 'set away from its default');
        assert.equal(c.get('auto.create.topics.enable')!.configSource, CONFIG_SOURCE.DEFAULT_CONFIG);
        assert.deepEqual(c.get('num.partitions')!.synonyms.map((s) => s.source), [CONFIG_SOURCE.STATIC_BROKER_CONFIG, CONFIG_SOURCE.DEFAULT_CONFIG]);
      } else {
        assert.equal(c.get('num.partitions')!.isDefault, false);
        assert.equal(c.get('auto.create.topics.enable')!.isDefault, true);
      }
      if (v >= 3) assert.equal(c.get('auto.create.topics.enable')!.configType, CONFIG_TYPE.BOOLEAN);

      const cluster = await h.call(ApiKey.DescribeConfigs, describeConfigsHandler, { resources: [{ resourceType: BROKER, resourceName: '', configurationKeys: null }, { resourceType: BROKER, resourceName: '42', configurationKeys: null }] }, v);
      assert.deepEqual(cluster.results.map((x) => [x.errorCode, x.configs.length]), [
        [ErrorCode.NONE, 0],
        [ErrorCode.INVALID_REQUEST, 0],
      ]);
    });
  }
});

describe('IncrementalAlterConfigs', () => {
  let h: AdminHarness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => h.close());

  async function describeTopic(name: string): Promise<Map<string, Entry>> {
    const res = await h.call(ApiKey.DescribeConfigs, describeConfigsHandler, { resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: null }] }, 4);
    assert.equal(res.results[0].errorCode, ErrorCode.NONE);
    return byName(res.results[0].configs);
  }

  for (const v of versions(incrementalAlterConfigsHandler)) {
    it(`v${v}: SET, DELETE, APPEND and SUBTRACT show in DescribeConfigs and in the topic's effective config`, async () => {
      const name = `altered-v${v}`;
      await h.logs.createTopic(name, 1, {});
      const alter = async (configs: { name: string; configOperation: number; value: string | null }[], validateOnly = false) =>
        (await h.call(ApiKey.IncrementalAlterConfigs, incrementalAlterConfigsHandler, { resources: [{ resourceType: TOPIC, resourceName: name, configs }], validateOnly }, v)).responses[0];

      let r = await alter([{ name: 'retention.ms', configOperation: SET, value: '1234' }, { name: 'max.message.bytes', configOperation: SET, value: '2048' }]);
      assert.deepEqual([r.errorCode, r.errorMessage, r.resourceType, r.resourceName], [ErrorCode.NONE, null, TOPIC, name]);
      let c = await describeTopic(name);
      assert.deepEqual([c.get('retention.ms')!.value, c.get('retention.ms')!.configSource], ['1234', CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG]);
      assert.equal(h.logs.topic(name)!.config.retentionMs, 1234);
      assert.equal(h.logs.topic(name)!.config.maxMessageBytes, 2048);

      r = await alter([{ name: 'retention.ms', configOperation: DELETE, value: null }]);
      assert.equal(r.errorCode, ErrorCode.NONE);
      c = await describeTopic(name);
      assert.deepEqual([c.get('retention.ms')!.value, c.get('retention.ms')!.configSource], ['604800000', CONFIG_SOURCE.DEFAULT_CONFIG]);
      assert.equal(c.get('max.message.bytes')!.value, '2048', 'other overrides stay');
      assert.deepEqual(h.logs.topic(name)!.record.configs, { 'max.message.bytes': '2048' });

      r = await alter([{ name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }]);
      assert.equal(r.errorCode, ErrorCode.NONE);
      c = await describeTopic(name);
      assert.equal(c.get('cleanup.policy')!.value, 'delete,compact', 'APPEND starts from the default');
      r = await alter([{ name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }]);
      assert.equal((await describeTopic(name)).get('cleanup.policy')!.value, 'delete,compact', 'APPEND of a present item changes nothing');

      r = await alter([{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'delete' }]);
      assert.equal(r.errorCode, ErrorCode.NONE);
      assert.equal((await describeTopic(name)).get('cleanup.policy')!.value, 'compact');
      r = await alter([{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'compact' }]);
      assert.equal(r.errorCode, ErrorCode.INVALID_CONFIG, 'an empty cleanup.policy is invalid');
      assert.equal((await describeTopic(name)).get('cleanup.policy')!.value, 'compact');

      r = await alter([{ name: 'retention.ms', configOperation: APPEND, value: '5' }]);
      assert.equal(r.errorCode, ErrorCode.INVALID_CONFIG, 'APPEND on a non-list config');
      assert.match(r.errorMessage ?? '', /append is not allowed/);
      r = await alter([{ name: 'retention.ms', configOperation: SUBTRACT, value: '5' }]);
      assert.equal(r.errorCode, ErrorCode.INVALID_CONFIG);

      r = await alter([{ name: 'retention.ms', configOperation: SET, value: '99' }], true);
      assert.equal(r.errorCode, ErrorCode.NONE);
      assert.equal((await describeTopic(name)).get('retention.ms')!.value, '604800000', 'validateOnly changes nothing');
    });
  }

  it('rejects invalid values, unknown configs, unknown operations and duplicate keys without changing anything', async () => {
    await h.logs.createTopic('strict', 1, { 'retention.ms': '1000' });
    const res = await h.call(ApiKey.IncrementalAlterConfigs, incrementalAlterConfigsHandler,
      {
        resources: [
          { resourceType: TOPIC, resourceName: 'strict', configs: [{ name: 'retention.bytes', configOperation: SET, value: '5' }, { name: 'retention.ms', configOperation: SET, value: 'never' }] },
        ],
      },
      1,
    );
    assert.equal(res.responses[0].errorCode, ErrorCode.INVALID_CONFIG);
    assert.match(res.responses[0].errorMessage ?? '', /retention\.ms/);
    assert.deepEqual(h.logs.topic('strict')!.record.configs, { 'retention.ms': '1000' }, 'all or nothing');

    const more = await h.call(ApiKey.IncrementalAlterConfigs, incrementalAlterConfigsHandler,
      {
        resources: [
          { resourceType: TOPIC, resourceName: 'strict', configs: [{ name: 'made.up', configOperation: SET, value: '1' }] },
          { resourceType: TOPIC, resourceName: 'missing', configs: [{ name: 'retention.ms', configOperation: SET, value: '1' }] },
          { resourceType: BROKER, resourceName: '3', configs: [{ name: 'num.partitions', configOperation: SET, value: '3' }] },
          { resourceType: BROKER, resourceName: '3', configs: [] },
        ],
      },
      1,
    );
    assert.deepEqual(more.responses.map((r) => [r.resourceName, r.errorCode]), [
      ['strict', ErrorCode.INVALID_CONFIG],
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['3', ErrorCode.INVALID_REQUEST],
    ], 'a broker resource given twice is INVALID_REQUEST once');

    const broker = await h.call(ApiKey.IncrementalAlterConfigs, incrementalAlterConfigsHandler, { resources: [{ resourceType: BROKER, resourceName: '3', configs: [{ name: 'num.partitions', configOperation: SET, value: '3' }] }] }, 0);
    assert.equal(broker.responses[0].errorCode, ErrorCode.INVALID_REQUEST);
    assert.match(broker.responses[0].errorMessage ?? '', /num\.partitions.*dynamic broker configs/);
    const empty = await h.call(ApiKey.IncrementalAlterConfigs, incrementalAlterConfigsHandler, { resources: [{ resourceType: BROKER, resourceName: '', configs: [] }] }, 0);
    assert.equal(empty.responses[0].errorCode, ErrorCode.NONE);

    const odd = await h.call(ApiKey.IncrementalAlterConfigs, incrementalAlterConfigsHandler,
      {
        resources: [
          { resourceType: TOPIC, resourceName: 'strict', configs: [{ name: 'retention.ms', configOperation: 9, value: '1' }] },
          { resourceType: 16, resourceName: 'metrics', configs: [] },
        ],
      },
      1,
    );
    assert.deepEqual(odd.responses.map((r) => r.errorCode), [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    const dupKeys = await h.call(ApiKey.IncrementalAlterConfigs, incrementalAlterConfigsHandler,
      { resources: [{ resourceType: TOPIC, resourceName: 'strict', configs: [{ name: 'retention.ms', configOperation: SET, value: '1' }, { name: 'retention.ms', configOperation: DELETE, value: null }] }] },
      1,
    );
    assert.equal(dupKeys.responses[0].errorCode, ErrorCode.INVALID_REQUEST);
    assert.deepEqual(h.logs.topic('strict')!.record.configs, { 'retention.ms': '1000' });
  });

  it('serializes concurrent alterations of one topic so none is lost', async () => {
    await h.logs.createTopic('busy', 1, {});
    const names = ['retention.ms', 'retention.bytes', 'segment.ms', 'max.message.bytes', 'segment.bytes'];
    await Promise.all(
      names.map((name) => h.call(ApiKey.IncrementalAlterConfigs, incrementalAlterConfigsHandler, { resources: [{ resourceType: TOPIC, resourceName: 'busy', configs: [{ name, configOperation: SET, value: '4096' }] }] }, 1)),
    );
    assert.deepEqual(Object.keys(h.logs.topic('busy')!.record.configs).sort(), [...names].sort());
  });
});

describe('AlterConfigs', () => {
  let h: AdminHarness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => h.close());

  for (const v of versions(alterConfigsHandler)) {
    it(`v${v}: replaces a topic's overrides as a whole`, async () => {
      const name = `replaced-v${v}`;
      await h.logs.createTopic(name, 1, { 'retention.ms': '1000', 'cleanup.policy': 'compact' });
      const dry = await h.call(ApiKey.AlterConfigs, alterConfigsHandler, { resources: [{ resourceType: TOPIC, resourceName: name, configs: [{ name: 'retention.bytes', value: '100' }] }], validateOnly: true }, v);
      assert.equal(dry.responses[0].errorCode, ErrorCode.NONE);
      assert.deepEqual(h.logs.topic(name)!.record.configs, { 'retention.ms': '1000', 'cleanup.policy': 'compact' });

      const res = await h.call(ApiKey.AlterConfigs, alterConfigsHandler, { resources: [{ resourceType: TOPIC, resourceName: name, configs: [{ name: 'retention.bytes', value: '100' }] }] }, v);
      assert.deepEqual([res.responses[0].errorCode, res.responses[0].errorMessage, res.responses[0].resourceName], [ErrorCode.NONE, null, name]);
      assert.deepEqual(h.logs.topic(name)!.record.configs, { 'retention.bytes': '100' }, 'configs left out return to their defaults');
      assert.equal(h.logs.topic(name)!.config.retentionBytes, 100);
      assert.equal(h.logs.topic(name)!.config.retentionMs, 604800000);

      const bad = await h.call(ApiKey.AlterConfigs, alterConfigsHandler,
        {
          resources: [
            { resourceType: TOPIC, resourceName: name, configs: [{ name: 'retention.bytes', value: 'lots' }] },
            { resourceType: TOPIC, resourceName: 'missing', configs: [] },
            { resourceType: BROKER, resourceName: '3', configs: [{ name: 'log.retention.ms', value: '1' }] },
          ],
        },
        v,
      );
      assert.deepEqual(bad.responses.map((r) => r.errorCode), [ErrorCode.INVALID_CONFIG, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST]);
      const nulls = await h.call(ApiKey.AlterConfigs, alterConfigsHandler, { resources: [{ resourceType: TOPIC, resourceName: name, configs: [{ name: 'retention.ms', value: null }] }] }, v);
      assert.equal(nulls.responses[0].errorCode, ErrorCode.INVALID_REQUEST);
      assert.deepEqual(h.logs.topic(name)!.record.configs, { 'retention.bytes': '100' });

      const twice = await h.call(ApiKey.AlterConfigs, alterConfigsHandler,
        {
          resources: [
            { resourceType: TOPIC, resourceName: name, configs: [{ name: 'retention.ms', value: '5' }] },
            { resourceType: TOPIC, resourceName: name, configs: [{ name: 'retention.ms', value: '6' }] },
          ],
        },
        v,
      );
      assert.deepEqual(twice.responses.map((r) => [r.resourceName, r.errorCode]), [[name, ErrorCode.INVALID_REQUEST]], 'a topic given twice is INVALID_REQUEST once');
      assert.deepEqual(h.logs.topic(name)!.record.configs, { 'retention.bytes': '100' }, 'and neither alteration is applied');

      const cleared = await h.call(ApiKey.AlterConfigs, alterConfigsHandler, { resources: [{ resourceType: TOPIC, resourceName: name, configs: [] }] }, v);
      assert.equal(cleared.responses[0].errorCode, ErrorCode.NONE);
      assert.deepEqual(h.logs.topic(name)!.record.configs, {});
    });
  }
});
