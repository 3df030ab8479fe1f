// npm run bench:protocol
//
// Decode + encode throughput of a Produce v9 request and a Fetch v12 response carrying 1 MiB of
// record bytes, against one plain Buffer.copy of the same 1 MiB measured in the same run. The
// codec never copies record bytes (decode returns views, encode appends them by reference), so
// decode + encode should cost well under one copy; the ratio printed is (decode + encode) / copy.

import { ApiKey } from '../protocol/generated/api-keys.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../protocol/frames.js';

const MiB = 1 << 20;
const records = Buffer.alloc(MiB, 0xab);

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up); returns ns per call. */
function measure(fn: () => unknown, ms = 1000): number {
  for (let i = 0; i < 200; i++) fn();
  let iterations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 100; i++) fn();
    iterations += 100;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / iterations;
}

const mbps = (bytes: number, ns: number): string => `${((bytes / ns) * 1e9 / MiB).toFixed(0).padStart(9)} MiB/s`;
const us = (ns: number): string => `${(ns / 1000).toFixed(2).padStart(8)} µs`;

function report(name: string, decodeNs: number, encodeNs: number, copyNs: number): void {
  console.log(`${name}`);
  console.log(`  decode          ${us(decodeNs)}  ${mbps(MiB, decodeNs)}`);
  console.log(`  encode          ${us(encodeNs)}  ${mbps(MiB, encodeNs)}`);
  console.log(`  decode+encode   ${us(decodeNs + encodeNs)}  ${mbps(MiB, decodeNs + encodeNs)}`);
  console.log(`  ratio (decode+encode) / copy: ${((decodeNs + encodeNs) / copyNs).toFixed(3)}x`);
}

// Baseline: copying the 1 MiB once.
const target = Buffer.allocUnsafe(MiB);
const copyNs = measure(() => records.copy(target, 0));

// ---- Produce v9 request ---------------------------------------------------------------------

function produceBody(partitions: number): object {
  const size = MiB / partitions;
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [
      {
        name: 'bench-topic',
        partitionData: Array.from({ length: partitions }, (_, i) => ({ index: i, records: records.subarray(i * size, (i + 1) * size) })),
      },
    ],
  };
}

function fetchBody(partitions: number): object {
  const size = MiB / partitions;
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: 'bench-topic',
        partitions: Array.from({ length: partitions }, (_, i) => ({
          partitionIndex: i,
          errorCode: 0,
          highWatermark: 1_000_000n,
          lastStableOffset: 1_000_000n,
          logStartOffset: 0n,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: records.subarray(i * size, (i + 1) * size),
        })),
      },
    ],
  };
}

console.log(`Node ${process.version}; payload 1 MiB of record bytes; each figure is MiB of records per second.`);
console.log(`Buffer.copy of 1 MiB  ${us(copyNs)}  ${mbps(MiB, copyNs)}`);
console.log('');

let sink = 0; // keeps results observable so nothing is optimised away

for (const partitions of [1, 16]) {
  const body = produceBody(partitions);
  const frame = Buffer.concat(encodeRequest(ApiKey.Produce, 9, 1, 'bench', body)).subarray(4);
  const decodeNs = measure(() => {
    const d = decodeRequest(frame);
    if (!d.ok) throw d.error;
    sink += d.header.correlationId;
  });
  // Encode to chunks, as the connection would write them (no concatenation).
  const encodeNs = measure(() => {
    sink += encodeRequest(ApiKey.Produce, 9, 1, 'bench', body).length;
  });
  report(`Produce v9 request, ${partitions} partition(s)`, decodeNs, encodeNs, copyNs);
}
console.log('');

for (const partitions of [1, 16]) {
  const body = fetchBody(partitions);
  const frame = Buffer.concat(encodeResponse(ApiKey.Fetch, 12, 1, body)).subarray(4);
  const decodeNs = measure(() => {
    sink += decodeResponse(ApiKey.Fetch, 12, frame).correlationId;
  });
  const encodeNs = measure(() => {
    sink += encodeResponse(ApiKey.Fetch, 12, 1, body).length;
  });
  report(`Fetch v12 response, ${partitions} partition(s)`, decodeNs, encodeNs, copyNs);
}

// Sanity check that decoding really returns views: the decoded records share memory with the frame.
const checkFrame = Buffer.concat(encodeRequest(ApiKey.Produce, 9, 1, 'bench', produceBody(1))).subarray(4);
const check = decodeRequest(checkFrame);
if (check.ok && check.apiKey === ApiKey.Produce) {
  const decoded = check.body.topicData[0].partitionData[0].records;
  console.log('');
  console.log(`decoded records are a view into the frame (no copy): ${decoded !== null && decoded.byteLength === MiB && decoded.buffer === checkFrame.buffer}`);
}
if (sink === 0.5) console.log(sink);
