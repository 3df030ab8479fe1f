/**
 * Consumer groups, committed offsets and the idempotent producer with kcat (librdkafka), on both
 * backends: an idempotent producer (InitProducerId), a balanced consumer group (-G; no -o, which would override the committed offsets) that commits
 * on close, and a second run of the group that only gets what was produced since.
 *
 * Skipped (with a message) while the registry does not serve the group APIs yet.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { handlers } from '../../src/handlers/index.js';
import { BACKENDS, backendSkip, startTestBroker, type TestBroker } from '../support/broker.js';
import { KCAT, clientSkip, hasKcat, run } from '../support/processes.js';

const GROUP_APIS = [ApiKey.FindCoordinator, ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Heartbeat, ApiKey.LeaveGroup, ApiKey.OffsetCommit, ApiKey.OffsetFetch, ApiKey.InitProducerId];
const notServed = GROUP_APIS.filter((k) => !handlers.has(k));
const registrySkip: string | false = notServed.length > 0 ? `group APIs ${notServed.join(', ')} are not registered in src/handlers/index.ts yet` : false;

interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
}

for (const backend of BACKENDS) {
  describe(`consumer groups with kcat (${backend})`, async () => {
    const skip = registrySkip || clientSkip(hasKcat, 'kcat') || (await backendSkip(backend));
    let tb: TestBroker;
    let bootstrap: string;
    const kcat = async (args: string[], input?: string) => {
      const r = await run(KCAT, ['-b', bootstrap, ...args], { input, timeoutMs: 60_000 });
      assert.equal(r.code, 0, `kcat ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout;
    };
    const consumeGroup = async (groupId: string, topic: string): Promise<KcatMessage[]> =>
      (await kcat(['-G', groupId, '-X', 'auto.offset.reset=earliest', '-e', '-J', '-q', '-X', 'session.timeout.ms=10000', '-X', 'enable.auto.commit=true', topic]))
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as KcatMessage);
    const produce = (topic: string, lines: string[]) =>
      kcat(['-P', '-t', topic, '-K', ':', '-X', 'enable.idempotence=true', '-X', 'acks=all'], lines.join('\n') + '\n');

    before(async () => {
      if (skip) return;
      tb = await startTestBroker(backend, { groupInitialRebalanceDelayMs: 0, defaultPartitions: 3 });
      bootstrap = tb.broker.bootstrap;
    });
    after(async () => {
      if (!skip) await tb.stop();
    });

    it('a balanced consumer group reads everything, commits on close, and the next run resumes after it', { skip, timeout: 120_000 }, async () => {
      await produce('kgroups', Array.from({ length: 30 }, (_, i) => `key${i}:first-${i}`));
      const firstRun = await consumeGroup('kcat-group', 'kgroups');
      assert.deepEqual(firstRun.map((m) => m.payload).sort(), Array.from({ length: 30 }, (_, i) => `first-${i}`).sort());
      assert.equal(new Set(firstRun.map((m) => m.partition)).size, 3, 'the group was assigned all three partitions');

      const committed = await tb.broker.metadata.fetchOffsets('kcat-group', ['kgroups']);
      const ends = new Map<number, number>();
      for (const m of firstRun) ends.set(m.partition, Math.max(ends.get(m.partition) ?? -1, m.offset + 1));
      assert.deepEqual(
        committed.map((o) => [o.partition, Number(o.offset)]),
        [...ends].sort((x, y) => x[0] - y[0]),
        'committed offsets are the next offsets to read',
      );

      await produce('kgroups', Array.from({ length: 6 }, (_, i) => `again${i}:second-${i}`));
      const secondRun = await consumeGroup('kcat-group', 'kgroups');
      assert.deepEqual(secondRun.map((m) => m.payload).sort(), Array.from({ length: 6 }, (_, i) => `second-${i}`).sort());
    });
  });
}
