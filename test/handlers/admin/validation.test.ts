import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiByKey } from '../../../protocol/generated/api-keys.js';
import { adminHandlers } from '../../../src/handlers/admin-handlers.js';
import { topicNamesCollide, validateTopicName } from '../../../src/log/topic-name.js';
import {
  CONFIG_SOURCE,
  TOPIC_CONFIGS,
  configDefinition,
  describeTopicConfigs,
  effectiveTopicConfig,
  parseListValue,
  validateTopicConfigs,
} from '../../../src/log/topic-config.js';

describe('validateTopicName', () => {
  it('accepts Kafka-legal names', () => {
    for (const name of ['a', 'orders', 'Orders.v2', 'my_topic-1', '...', '_', 'x'.repeat(249)]) assert.equal(validateTopicName(name), null, name);
  });
  it('refuses empty, . and .., too long, and illegal characters, with a message', () => {
    for (const name of ['', '.', '..', 'x'.repeat(250), 'a b', 'a/b', 'ü', 'tab\t', 'a:b']) {
      const err = validateTopicName(name);
      assert.ok(typeof err === 'string' && err.length > 0, JSON.stringify(name));
    }
  });
  it('detects names that collide once . reads as _', () => {
    assert.equal(topicNamesCollide('a.b', 'a_b'), true);
    assert.equal(topicNamesCollide('a.b', 'a.b'), false);
    assert.equal(topicNamesCollide('a.b', 'a-b'), false);
  });
});

describe('topic configs', () => {
  it('every default is valid, names are unique and sorted', () => {
    for (const c of TOPIC_CONFIGS) assert.equal(c.validate(c.default), null, c.name);
    const names = TOPIC_CONFIGS.map((c) => c.name);
    assert.deepEqual(names, [...new Set(names)].sort());
  });
  it('validates by type', () => {
    assert.equal(validateTopicConfigs({ 'retention.ms': '9223372036854775807', 'cleanup.policy': 'compact, delete', preallocate: 'TRUE', 'min.cleanable.dirty.ratio': '0.25' }), null);
    assert.match(validateTopicConfigs({ 'retention.ms': '9223372036854775808' }) ?? '', /retention\.ms/);
    assert.match(validateTopicConfigs({ 'max.message.bytes': '2147483648' }) ?? '', /max\.message\.bytes/);
    assert.match(validateTopicConfigs({ 'cleanup.policy': '' }) ?? '', /cleanup\.policy/);
    assert.match(validateTopicConfigs({ 'min.cleanable.dirty.ratio': '1.5' }) ?? '', /ratio/);
    assert.match(validateTopicConfigs({ 'remote.storage.enable': 'true' }) ?? '', /tiered storage/);
    assert.match(validateTopicConfigs({ 'bogus.config': '1' }) ?? '', /unknown topic config bogus\.config/);
    assert.equal(configDefinition('cleanup.policy')?.type, 'LIST');
  });
  it('parses list values as Kafka does', () => {
    assert.deepEqual(parseListValue(' compact , delete,'), ['compact', 'delete']);
    assert.deepEqual(parseListValue(''), []);
  });
  it('describes overrides, broker settings and defaults with their sources', () => {
    const d = new Map(describeTopicConfigs({ 'retention.ms': '5' }, { 'streamhouse.segment.compression': 'none', 'segment.bytes': '67108864' }).map((c) => [c.name, c]));
    assert.deepEqual([d.get('retention.ms')!.value, d.get('retention.ms')!.source], ['5', CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG]);
    assert.deepEqual([d.get('streamhouse.segment.compression')!.value, d.get('streamhouse.segment.compression')!.source], ['none', CONFIG_SOURCE.STATIC_BROKER_CONFIG]);
    assert.deepEqual([d.get('segment.bytes')!.value, d.get('segment.bytes')!.source], ['67108864', CONFIG_SOURCE.DEFAULT_CONFIG], 'a broker value equal to the default is the default');
    // effectiveTopicConfig is unchanged by the wider table.
    assert.deepEqual(effectiveTopicConfig({ 'retention.ms': '5' }, { 'streamhouse.segment.compression': 'none' }), {
      maxMessageBytes: 1048588,
      logAppendTime: false,
      retentionMs: 5,
      retentionBytes: -1,
      segmentBytes: 67108864,
      segmentCompression: 'none',
    });
  });
});

describe('adminHandlers', () => {
  it('holds one handler per API, within the versions the schemas define', () => {
    const keys = adminHandlers.map((h) => h.apiKey);
    assert.equal(new Set(keys).size, keys.length);
    assert.deepEqual([...keys].sort((a, b) => a - b), [19, 20, 21, 32, 33, 37, 44, 60, 75]);
    for (const h of adminHandlers) {
      const info = apiByKey(h.apiKey);
      assert.ok(info);
      assert.ok(h.minVersion >= info.minVersion && h.maxVersion <= info.maxVersion && h.minVersion <= h.maxVersion, info.name);
    }
  });
});
