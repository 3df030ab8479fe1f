// The generator's building blocks, and (when the reference schemas are present) that the
// committed protocol/generated/ is exactly what the generator produces.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { generate } from '../../protocol/generator/generate.js';
import { buildMessage, camelCase, kebabCase } from '../../protocol/generator/model.js';
import { parseSchema, stripComments } from '../../protocol/generator/schema.js';
import {
  formatVersions,
  MAX_VERSION,
  notVersionCondition,
  parseVersions,
  versionCondition,
} from '../../protocol/generator/versions.js';

describe('version ranges', () => {
  test('parse the four forms', () => {
    assert.deepStrictEqual(parseVersions('0+'), { lo: 0, hi: MAX_VERSION });
    assert.deepStrictEqual(parseVersions('12+'), { lo: 12, hi: MAX_VERSION });
    assert.deepStrictEqual(parseVersions('3-7'), { lo: 3, hi: 7 });
    assert.deepStrictEqual(parseVersions('5'), { lo: 5, hi: 5 });
    assert.equal(parseVersions('none'), null);
    assert.deepStrictEqual(parseVersions(' 2-4 '), { lo: 2, hi: 4 });
  });

  test('reject malformed ranges', () => {
    for (const bad of ['', '+', '-1', '4-2', '1-', 'x', '1+2', '0x3']) {
      assert.throws(() => parseVersions(bad), /invalid version range/, bad);
    }
  });

  test('format is the inverse of parse', () => {
    for (const s of ['0+', '7+', '3-7', '5', 'none']) assert.equal(formatVersions(parseVersions(s)), s);
  });

  test('conditions are simplified against the context', () => {
    const ctx = { lo: 0, hi: 11 };
    assert.equal(versionCondition(parseVersions('0+'), ctx), true);
    assert.equal(versionCondition(parseVersions('3+'), ctx), 'version >= 3');
    assert.equal(versionCondition(parseVersions('0-4'), ctx), 'version <= 4');
    assert.equal(versionCondition(parseVersions('2-4'), ctx), 'version >= 2 && version <= 4');
    assert.equal(versionCondition(parseVersions('4'), ctx), 'version === 4');
    assert.equal(versionCondition(parseVersions('12+'), ctx), false);
    assert.equal(versionCondition(null, ctx), false);
    assert.equal(versionCondition(parseVersions('3+'), { lo: 5, hi: 9 }), true);
    assert.equal(notVersionCondition(parseVersions('3+'), ctx), 'version < 3');
    assert.equal(notVersionCondition(parseVersions('2-4'), ctx), 'version < 2 || version > 4');
    assert.equal(notVersionCondition(parseVersions('0+'), ctx), false);
    assert.equal(notVersionCondition(null, ctx), true);
  });
});

describe('comment stripping', () => {
  test('removes line comments, keeps // inside strings', () => {
    const text = [
      '// licence header',
      '{',
      '  // a comment with "quotes" in it',
      '  "about": "see https://kafka.apache.org/protocol // not a comment", // trailing',
      '  "escaped": "a \\"quoted // thing\\" here",',
      '  "n": 1',
      '}',
    ].join('\n');
    const parsed = JSON.parse(stripComments(text));
    assert.deepStrictEqual(parsed, {
      about: 'see https://kafka.apache.org/protocol // not a comment',
      escaped: 'a "quoted // thing" here',
      n: 1,
    });
  });

  test('keeps line numbers, so JSON errors point at the right line', () => {
    const text = '// one\n// two\n{ "a": 1 }';
    assert.equal(stripComments(text).split('\n').length, 3);
  });

  test('a string ending in a backslash does not swallow the rest', () => {
    assert.deepStrictEqual(JSON.parse(stripComments('{ "a": "x\\\\", // c\n "b": 2 }')), { a: 'x\\', b: 2 });
  });
});

describe('names', () => {
  test('camelCase and kebab-case', () => {
    assert.equal(camelCase('ErrorCode'), 'errorCode');
    assert.equal(camelCase('ThrottleTimeMs'), 'throttleTimeMs');
    assert.equal(camelCase('timeoutMs'), 'timeoutMs');
    assert.equal(kebabCase('DescribeTopicPartitions'), 'describe-topic-partitions');
    assert.equal(kebabCase('ApiVersions'), 'api-versions');
    assert.equal(kebabCase('OffsetForLeaderEpoch'), 'offset-for-leader-epoch');
  });
});

describe('schema model', () => {
  const schema = (fields: string): string => `{
    // a comment
    "apiKey": 99, "type": "request", "name": "TestRequest",
    "validVersions": "0-5", "flexibleVersions": "3+",
    "fields": [${fields}]
  }`;

  test('defaults: hex, negative, null, bool', () => {
    const m = buildMessage(parseSchema(schema(`
      { "name": "MaxBytes", "type": "int32", "versions": "0+", "default": "0x7fffffff" },
      { "name": "Epoch", "type": "int64", "versions": "0+", "default": "-1" },
      { "name": "Rack", "type": "string", "versions": "0+", "nullableVersions": "0+", "default": "null" },
      { "name": "Flag", "type": "bool", "versions": "0+", "default": "true" }`), 'test'));
    assert.deepStrictEqual(m.root.fields.map((f) => f.default), [
      { kind: 'number', value: 0x7fffffff },
      { kind: 'bigint', value: -1n },
      { kind: 'null' },
      { kind: 'bool', value: true },
    ]);
    assert.deepStrictEqual(m.root.fields.map((f) => f.name), ['maxBytes', 'epoch', 'rack', 'flag']);
  });

  test('rejects what the emitters cannot handle', () => {
    assert.throws(() => buildMessage(parseSchema(schema('{ "name": "A", "type": "int32", "versions": "0+", "nullableVersions": "0+" }'), 't')), /cannot be nullable/);
    assert.throws(() => buildMessage(parseSchema(schema('{ "name": "A", "type": "Nope", "versions": "0+" }'), 't')), /unknown type/);
    assert.throws(() => buildMessage(parseSchema(schema('{ "name": "A", "type": "int32", "versions": "3+", "tag": 0, "taggedVersions": "4+" }'), 't')), /taggedVersions must equal/);
    assert.throws(() => buildMessage(parseSchema(schema('{ "name": "A", "type": "int32", "versions": "0+", "tag": 0, "taggedVersions": "0+" }'), 't')), /tagged outside flexible/);
    assert.throws(() => buildMessage(parseSchema(schema('{ "name": "A", "type": "int8", "versions": "0+", "default": "300" }'), 't')), /out of int8 range/);
  });

  test('struct contexts narrow version checks', () => {
    const m = buildMessage(parseSchema(schema(`
      { "name": "Items", "type": "[]Item", "versions": "2+", "fields": [
        { "name": "A", "type": "int32", "versions": "0+" }
      ]}`), 'test'));
    assert.deepStrictEqual(m.structs[0].context, { lo: 2, hi: 5 });
    assert.equal(m.structs[0].tsName, 'TestRequestItem');
  });
});

const repoRoot = resolve(import.meta.dirname, '../..');
const protocolDir = process.env.KAFKA_PROTOCOL_DIR ?? resolve(repoRoot, '../shared/kafka-protocol');

describe('generated code', () => {
  test('protocol/generated is up to date with the generator', { skip: !existsSync(protocolDir) && `${protocolDir} not present` }, () => {
    const files = generate(protocolDir);
    const outDir = join(repoRoot, 'protocol/generated');
    for (const [name, content] of files) {
      assert.ok(readFileSync(join(outDir, name), 'utf8') === content, `protocol/generated/${name} differs; run npm run generate`);
    }
    assert.deepStrictEqual(readdirSync(outDir).filter((f) => f.endsWith('.ts')).sort(), [...files.keys()].sort());
  });

  test('every generated file carries the banner', () => {
    const outDir = join(repoRoot, 'protocol/generated');
    for (const f of readdirSync(outDir)) {
      assert.ok(
        readFileSync(join(outDir, f), 'utf8').startsWith('// Generated by protocol/generator from Apache Kafka 3.9.0 message schemas — do not edit.\n'),
        f,
      );
    }
  });
});
