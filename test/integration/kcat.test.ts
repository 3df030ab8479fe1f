/**
 * kcat (librdkafka, from Debian's package) against the broker on both backends: metadata,
 * produce with keys, headers and every codec, consume from the beginning, offsets by time.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS, backendSkip, startTestBroker, type TestBroker } from '../support/broker.js';
import { KCAT, clientSkip, hasKcat, run } from '../support/processes.js';

interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  tstype: string;
  ts: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

for (const backend of BACKENDS) {
  describe(`kcat (${backend})`, async () => {
    const skip = clientSkip(hasKcat, 'kcat') || (await backendSkip(backend));
    let tb: TestBroker;
    let bootstrap: string;
    const kcat = async (args: string[], input?: string) => {
      const r = await run(KCAT, ['-b', bootstrap, ...args], { input, timeoutMs: 30_000 });
      assert.equal(r.code, 0, `kcat ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout;
    };
    const consume = async (topic: string): Promise<KcatMessage[]> =>
      (await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q']))
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as KcatMessage);

    before(async () => {
      if (skip) return;
      tb = await startTestBroker(backend);
      bootstrap = tb.broker.bootstrap;
    });
    after(async () => {
      if (!skip) await tb.stop();
    });

    it('-L lists the broker and topics', { skip }, async () => {
      await kcat(['-P', '-t', 'listed'], 'x\n');
      const md = JSON.parse(await kcat(['-L', '-J'])) as { brokers: { id: number; name: string }[]; topics: { topic: string; partitions: unknown[] }[] };
      assert.equal(md.brokers.length, 1);
      assert.equal(md.brokers[0].name, bootstrap);
      assert.ok(md.topics.some((t) => t.topic === 'listed' && t.partitions.length === 1));
    });

    it('-P with keys and headers, then -C -e reads them back in order', { skip }, async () => {
      await kcat(['-P', '-t', 'kc', '-K', ':', '-H', 'source=kcat', '-H', 'n=1'], 'k1:first\nk2:second\n:no key\n');
      const msgs = await consume('kc');
      assert.deepEqual(msgs.map((m) => [m.offset, m.key, m.payload]), [[0, 'k1', 'first'], [1, 'k2', 'second'], [2, '', 'no key']]);
      assert.deepEqual(msgs[0].headers, ['source', 'kcat', 'n', '1']);
    });

    it('produces with every codec and consumes the same records', { skip }, async () => {
      for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) await kcat(['-P', '-t', 'codecs', '-z', codec], `${codec}-1\n${codec}-2\n`);
      const msgs = await consume('codecs');
      assert.deepEqual(msgs.map((m) => m.payload), ['gzip-1', 'gzip-2', 'snappy-1', 'snappy-2', 'lz4-1', 'lz4-2', 'zstd-1', 'zstd-2']);
    });

    it('-Q finds offsets by timestamp', { skip }, async () => {
      await kcat(['-P', '-t', 'timed'], 'early\n');
      const [first] = await consume('timed');
      await new Promise((r) => setTimeout(r, 20));
      await kcat(['-P', '-t', 'timed'], 'late\n');
      const msgs = await consume('timed');
      const out = await kcat(['-Q', '-t', `timed:0:${msgs[1].ts}`]);
      assert.match(out, /timed \[0\] offset 1/);
      const before = await kcat(['-Q', '-t', `timed:0:${first.ts}`]);
      assert.match(before, /timed \[0\] offset 0/);
      const after = await kcat(['-Q', '-t', `timed:0:${msgs[1].ts + 60_000}`]);
      assert.match(after, /timed \[0\] offset -1/);
    });
  });
}
