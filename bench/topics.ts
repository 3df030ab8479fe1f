/**
 * Topics for the workloads: CreateTopics when the broker advertises it, else auto-creation by a
 * Metadata request (the broker is started with --default-partitions = the largest count needed,
 * and a workload with fewer partitions uses the first ones only).
 */
import { WireClient } from '../src/client/wire-client.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';

export interface TopicInfo {
  name: string;
  /** Partitions the workload uses (0..used-1). */
  used: number;
  /** Partitions the topic has. */
  total: number;
}

/** The highest version of an API the broker advertises, or -1. */
async function maxVersion(admin: WireClient, apiKey: number): Promise<number> {
  const versions = await admin.send(ApiKey.ApiVersions, 3, { clientSoftwareName: 'streamhouse-bench', clientSoftwareVersion: '0' });
  return versions.apiKeys.find((k) => k.apiKey === apiKey)?.maxVersion ?? -1;
}

export async function ensureTopic(admin: WireClient, name: string, partitions: number): Promise<TopicInfo> {
  const create = await maxVersion(admin, ApiKey.CreateTopics);
  if (create >= 5) {
    const res = await admin.send(ApiKey.CreateTopics, Math.min(7, create), {
      topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    const code = res.topics[0].errorCode;
    if (code !== ErrorCode.NONE && code !== ErrorCode.TOPIC_ALREADY_EXISTS) throw new Error(`CreateTopics ${name}: error ${code}`);
  }
  const md = await admin.send(ApiKey.Metadata, 12, { topics: [{ name }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
  const t = md.topics[0];
  if (t.errorCode !== ErrorCode.NONE) throw new Error(`Metadata ${name}: error ${t.errorCode}`);
  if (t.partitions.length < partitions) throw new Error(`topic ${name} has ${t.partitions.length} partitions, needs ${partitions}`);
  return { name, used: partitions, total: t.partitions.length };
}

/**
 * Deletes a workload's topic once it is measured (as OpenMessaging Benchmark does), when the broker
 * advertises DeleteTopics: what one workload wrote is then not merged while the next is measured.
 */
export async function deleteTopic(admin: WireClient, name: string): Promise<void> {
  const del = await maxVersion(admin, ApiKey.DeleteTopics);
  if (del < 4) return;
  const res = await admin.send(ApiKey.DeleteTopics, Math.min(5, del), { topicNames: [name], timeoutMs: 30_000 });
  const code = res.responses[0].errorCode;
  if (code !== ErrorCode.NONE && code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new Error(`DeleteTopics ${name}: error ${code}`);
}
