// DescribeConfigs: v0–4.
// Version notes:
// * v0 reports isDefault; v1 replaces it with configSource and adds synonyms (sent only when
//   includeSynonyms); v2 is v1; v3 adds configType and documentation (sent only when
//   includeDocumentation); v4 is flexible.
// * Resources: TOPIC (2) lists every config in TOPIC_CONFIGS with its effective value; overrides
//   are DYNAMIC_TOPIC_CONFIG, values from broker flags STATIC_BROKER_CONFIG, the rest
//   DEFAULT_CONFIG. BROKER (4) named by our node id lists the broker's configs (all read-only:
//   dynamic broker configs are not supported); BROKER named '' (cluster-wide dynamic defaults) is
//   an empty list, as on a Kafka cluster without dynamic defaults. Other types: INVALID_REQUEST.
// * Null or empty configurationKeys mean every config; unknown keys are left out.
import type {
  DescribeConfigsRequest,
  DescribeConfigsRequestDescribeConfigsResource,
  DescribeConfigsResponse,
  DescribeConfigsResponseDescribeConfigsResourceResult,
  DescribeConfigsResponseDescribeConfigsResult,
} from '../../protocol/generated/describe-configs.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { Input } from '../../protocol/runtime/types.js';
import { OPTIONS, type BrokerConfig } from '../config.js';
import { GROUP_COORDINATOR_DEFAULTS } from '../groups/group-coordinator.js';
import {
  CONFIG_SOURCE,
  CONFIG_TYPE,
  TOPIC_CONFIGS,
  brokerTopicDefaults,
  describeTopicConfigs,
  type ConfigSourceCode,
  type ConfigTypeName,
} from '../log/topic-config.js';
import { validateTopicName } from '../log/topic-name.js';
import type { ApiHandler, RequestContext } from './context.js';

/** Kafka's ConfigResource.Type codes. */
export const RESOURCE_TYPE = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
} as const;

/** A config as every version of DescribeConfigs can report it. */
export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  source: ConfigSourceCode;
  type: ConfigTypeName;
  doc: string;
  synonyms: { name: string; value: string | null; source: ConfigSourceCode }[];
}

/**
 * Why a BROKER resource name is not ours (Kafka's message), or null: our node id, or '' for the
 * cluster-wide defaults.
 */
export function brokerResourceError(ctx: RequestContext, resourceName: string): string | null {
  if (resourceName === '' || resourceName === String(ctx.identity.nodeId)) return null;
  return `Unexpected broker id, expected ${ctx.identity.nodeId} or empty string, but received ${resourceName}`;
}

/** A topic's configs as DescribeConfigs reports them. */
export function topicConfigEntries(ctx: RequestContext, overrides: Record<string, string>): ConfigEntry[] {
  return describeTopicConfigs(overrides, brokerTopicDefaults(ctx.config)).map((c) => ({
    name: c.name,
    value: c.value,
    readOnly: false,
    source: c.source,
    type: c.definition.type,
    doc: c.definition.doc,
    synonyms: c.synonyms,
  }));
}

function optionDefault(key: keyof BrokerConfig): unknown {
  return OPTIONS.find((o) => o.key === key)?.default;
}

/** This broker's configs under Kafka's names, reflecting its BrokerConfig. All read-only. */
export function brokerConfigEntries(ctx: RequestContext): ConfigEntry[] {
  const { config, identity } = ctx;
  const entries: ConfigEntry[] = [];
  const fixed = (name: string, value: string | null, type: ConfigTypeName, doc: string, source: ConfigSourceCode = CONFIG_SOURCE.DEFAULT_CONFIG): void => {
    entries.push({ name, value, readOnly: true, source, type, doc, synonyms: [{ name, value, source }] });
  };
  /** A value that comes from a broker option: STATIC_BROKER_CONFIG when set away from its default. */
  const fromOption = (name: string, key: keyof BrokerConfig, type: ConfigTypeName, doc: string): void => {
    const value = config[key];
    const def = optionDefault(key);
    if (value === def) {
      fixed(name, String(value), type, doc);
    } else {
      const synonyms: ConfigEntry['synonyms'] = [{ name, value: String(value), source: CONFIG_SOURCE.STATIC_BROKER_CONFIG }];
      if (def !== undefined) synonyms.push({ name, value: String(def), source: CONFIG_SOURCE.DEFAULT_CONFIG });
      entries.push({ name, value: String(value), readOnly: true, source: CONFIG_SOURCE.STATIC_BROKER_CONFIG, type, doc, synonyms });
    }
  };
  const staticValue = (name: string, value: string | null, type: ConfigTypeName, doc: string): void =>
    fixed(name, value, type, doc, CONFIG_SOURCE.STATIC_BROKER_CONFIG);

  staticValue('broker.id', String(identity.nodeId), 'INT', 'This broker\'s node id.');
  staticValue('node.id', String(identity.nodeId), 'INT', 'This broker\'s node id.');
  if (identity.rack === null) fixed('broker.rack', null, 'STRING', 'Rack of the broker (null when none).');
  else staticValue('broker.rack', identity.rack, 'STRING', 'Rack of the broker (null when none).');
  staticValue('listeners', `PLAINTEXT://${config.host}:${config.port}`, 'STRING', 'The address the broker listens on.');
  staticValue('advertised.listeners', `PLAINTEXT://${identity.host}:${identity.port}`, 'STRING', 'The address clients are told to connect to.');
  staticValue('log.dirs', config.dataDir, 'STRING', 'The data directory (embedded PostgreSQL and local object store); the log itself lives in object storage.');
  fromOption('num.partitions', 'defaultPartitions', 'INT', 'Partitions of auto-created topics and of CreateTopics with -1.');
  fromOption('auto.create.topics.enable', 'autoCreateTopics', 'BOOLEAN', 'Create unknown topics on Metadata requests that allow it.');
  fromOption('socket.request.max.bytes', 'maxRequestBytes', 'INT', 'Largest request accepted; larger frames close the connection.');
  fromOption('group.initial.rebalance.delay.ms', 'groupInitialRebalanceDelayMs', 'INT', 'How long a new group waits for more members before its first rebalance.');
  fromOption('log.retention.check.interval.ms', 'retentionCheckIntervalMs', 'LONG', 'How often retention.ms / retention.bytes are enforced.');
  fixed('default.replication.factor', '1', 'INT', 'Reported replication factor of topics created with -1; durability comes from object storage.');
  fixed('offsets.topic.replication.factor', '1', 'SHORT', 'Committed offsets live in the metadata store, not in a topic.');
  fixed('transaction.state.log.replication.factor', '1', 'SHORT', 'There is no transaction state topic.');
  fixed('transaction.state.log.min.isr', '1', 'INT', 'There is no transaction state topic.');
  fixed('delete.topic.enable', 'true', 'BOOLEAN', 'Topics can be deleted.');
  fixed('group.min.session.timeout.ms', String(GROUP_COORDINATOR_DEFAULTS.minSessionTimeoutMs), 'INT', 'Smallest session timeout a consumer may ask for.');
  fixed('group.max.session.timeout.ms', String(GROUP_COORDINATOR_DEFAULTS.maxSessionTimeoutMs), 'INT', 'Largest session timeout a consumer may ask for.');
  fixed('group.max.size', String(GROUP_COORDINATOR_DEFAULTS.maxGroupSize), 'INT', 'Most members of one consumer group.');

  // The broker-level defaults of topic configs (log.retention.ms, message.max.bytes, …).
  const topicDefaults = brokerTopicDefaults(config);
  for (const def of TOPIC_CONFIGS) {
    if (!def.brokerName || entries.some((e) => e.name === def.brokerName)) continue;
    const flag = topicDefaults[def.name];
    if (flag !== undefined && flag !== def.default) {
      entries.push({
        name: def.brokerName,
        value: flag,
        readOnly: true,
        source: CONFIG_SOURCE.STATIC_BROKER_CONFIG,
        type: def.type,
        doc: def.doc,
        synonyms: [
          { name: def.brokerName, value: flag, source: CONFIG_SOURCE.STATIC_BROKER_CONFIG },
          { name: def.brokerName, value: def.default, source: CONFIG_SOURCE.DEFAULT_CONFIG },
        ],
      });
    } else {
      fixed(def.brokerName, def.default, def.type, def.doc);
    }
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One entry encoded for `version`: only the fields that version has. */
function encodeEntry(e: ConfigEntry, version: number, includeSynonyms: boolean, includeDocumentation: boolean): Input<DescribeConfigsResponseDescribeConfigsResourceResult> {
  const r: Input<DescribeConfigsResponseDescribeConfigsResourceResult> = {
    name: e.name,
    value: e.value,
    readOnly: e.readOnly,
    isSensitive: false,
  };
  if (version === 0) {
    r.isDefault = e.source === CONFIG_SOURCE.DEFAULT_CONFIG;
  } else {
    r.configSource = e.source;
    r.synonyms = includeSynonyms ? e.synonyms : [];
  }
  if (version >= 3) {
    r.configType = CONFIG_TYPE[e.type];
    r.documentation = includeDocumentation ? e.doc : null;
  }
  return r;
}

type Result = Input<DescribeConfigsResponseDescribeConfigsResult>;

function describeResource(ctx: RequestContext, resource: DescribeConfigsRequestDescribeConfigsResource): { entries: ConfigEntry[] } | Result {
  const { resourceType, resourceName } = resource;
  const fail = (errorCode: number, errorMessage: string): Result => ({ errorCode, errorMessage, resourceType, resourceName, configs: [] });
  switch (resourceType) {
    case RESOURCE_TYPE.TOPIC: {
      const invalid = validateTopicName(resourceName);
      if (invalid) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, invalid);
      const topic = ctx.logs.topic(resourceName);
      if (!topic) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${resourceName}' does not exist.`);
      return { entries: topicConfigEntries(ctx, topic.record.configs) };
    }
    case RESOURCE_TYPE.BROKER: {
      const err = brokerResourceError(ctx, resourceName);
      if (err) return fail(ErrorCode.INVALID_REQUEST, err);
      // '' asks for cluster-wide dynamic defaults, of which there are none.
      return { entries: resourceName === '' ? [] : brokerConfigEntries(ctx) };
    }
    default:
      return fail(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${resourceType}`);
  }
}

export const describeConfigsHandler: ApiHandler<DescribeConfigsRequest, Input<DescribeConfigsResponse>> = {
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request, version) {
    const includeSynonyms = version >= 1 && request.includeSynonyms;
    const includeDocumentation = version >= 3 && request.includeDocumentation;
    const results = request.resources.map((resource): Result => {
      const described = describeResource(ctx, resource);
      if (!('entries' in described)) return described;
      const keys = resource.configurationKeys;
      const wanted = keys === null || keys.length === 0 ? null : new Set(keys);
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        resourceType: resource.resourceType,
        resourceName: resource.resourceName,
        configs: described.entries
          .filter((e) => wanted === null || wanted.has(e.name))
          .map((e) => encodeEntry(e, version, includeSynonyms, includeDocumentation)),
      };
    });
    return { throttleTimeMs: 0, results };
  },
};
