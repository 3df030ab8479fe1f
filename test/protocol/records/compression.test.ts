import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { compressSync as snappyRaw } from 'snappy';
import { compressFrameSync } from 'lz4-napi';
import binding from 'zstd-napi/binding.js';
import {
  type CompressionType,
  COMPRESSION_CODES,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  compress,
  compressionFromCode,
  decompress,
} from '../../../protocol/records/compression/index.js';
import { XERIAL_BLOCK_SIZE, XERIAL_MAGIC, snappyCompressRaw } from '../../../protocol/records/compression/snappy.js';
import { RecordsError } from '../../../protocol/records/errors.js';

const CODECS: CompressionType[] = ['gzip', 'snappy', 'lz4', 'zstd'];

function isCode(code: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof RecordsError, `expected RecordsError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

function jsonLike(n: number, seed = 1): Buffer {
  const parts: string[] = [];
  let size = 0;
  let i = seed;
  while (size < n) {
    const s = JSON.stringify({ id: i, user: `user-${i % 977}`, event: ['click', 'view', 'buy'][i % 3], ts: 1700000000000 + i * 17, amount: (i * 7919) % 10007 });
    parts.push(s);
    size += s.length + 1;
    i++;
  }
  return Buffer.from(parts.join('\n')).subarray(0, n);
}

// ---- xxHash32, written from the spec, to hand-build LZ4 frames with valid checksums ----
const P1 = 2654435761;
const P2 = 2246822519;
const P3 = 3266489917;
const P4 = 668265263;
const P5 = 374761393;
const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
const mul = (a: number, b: number): number => Math.imul(a, b) >>> 0;
function xxh32(buf: Buffer, seed = 0): number {
  const len = buf.length;
  let i = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) >>> 0;
    let v2 = (seed + P2) >>> 0;
    let v3 = seed >>> 0;
    let v4 = (seed - P1) >>> 0;
    const round = (acc: number, input: number): number => mul(rotl((acc + mul(input, P2)) >>> 0, 13), P1);
    while (i <= len - 16) {
      v1 = round(v1, buf.readUInt32LE(i));
      v2 = round(v2, buf.readUInt32LE(i + 4));
      v3 = round(v3, buf.readUInt32LE(i + 8));
      v4 = round(v4, buf.readUInt32LE(i + 12));
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    h = (seed + P5) >>> 0;
  }
  h = (h + len) >>> 0;
  while (i + 4 <= len) {
    h = mul(rotl((h + mul(buf.readUInt32LE(i), P3)) >>> 0, 17), P4);
    i += 4;
  }
  while (i < len) {
    h = mul(rotl((h + mul(buf[i], P5)) >>> 0, 11), P1);
    i++;
  }
  h ^= h >>> 15;
  h = mul(h, P2);
  h ^= h >>> 13;
  h = mul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

interface HandFrame {
  blocks: Buffer[]; // stored (uncompressed) blocks
  blockChecksum?: boolean;
  contentChecksum?: boolean;
  contentSize?: bigint;
  bd?: number;
}
function lz4HandFrame(f: HandFrame): Buffer {
  const flg = 0x60 | (f.blockChecksum ? 0x10 : 0) | (f.contentSize !== undefined ? 0x08 : 0) | (f.contentChecksum ? 0x04 : 0);
  const desc = [Buffer.from([flg, f.bd ?? 0x40])];
  if (f.contentSize !== undefined) {
    const cs = Buffer.alloc(8);
    cs.writeBigUInt64LE(f.contentSize);
    desc.push(cs);
  }
  const d = Buffer.concat(desc);
  const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18]), d, Buffer.from([(xxh32(d) >>> 8) & 0xff])];
  for (const b of f.blocks) {
    const size = Buffer.alloc(4);
    size.writeUInt32LE((0x80000000 | b.length) >>> 0);
    parts.push(size, b);
    if (f.blockChecksum) {
      const c = Buffer.alloc(4);
      c.writeUInt32LE(xxh32(b));
      parts.push(c);
    }
  }
  parts.push(Buffer.alloc(4));
  if (f.contentChecksum) {
    const c = Buffer.alloc(4);
    c.writeUInt32LE(xxh32(Buffer.concat(f.blocks)));
    parts.push(c);
  }
  return Buffer.concat(parts);
}

function xerial(blocks: Buffer[], version = 1, compat = 1): Buffer {
  const head = Buffer.alloc(16);
  XERIAL_MAGIC.copy(head);
  head.writeInt32BE(version, 8);
  head.writeInt32BE(compat, 12);
  const parts: Buffer[] = [head];
  for (const b of blocks) {
    const c = snappyRaw(b);
    const len = Buffer.alloc(4);
    len.writeInt32BE(c.length);
    parts.push(len, c);
  }
  return Buffer.concat(parts);
}

function zstdStreamed(input: Buffer): Buffer {
  // Streaming compression without a pledged size (input fed with `continue`, then an empty `end`): the
  // frame does not declare its content size, like zstd-jni's ZstdOutputStream in the Java client.
  const cctx = new binding.CCtx();
  const out: Buffer[] = [];
  let src = input;
  while (src.length > 0) {
    const dst = Buffer.alloc(binding.cStreamOutSize());
    const [, produced, consumed] = cctx.compressStream2(dst, src, binding.EndDirective.continue);
    out.push(dst.subarray(0, produced));
    src = src.subarray(consumed);
  }
  for (;;) {
    const dst = Buffer.alloc(binding.cStreamOutSize());
    const [remaining, produced] = cctx.compressStream2(dst, Buffer.alloc(0), binding.EndDirective.end);
    out.push(dst.subarray(0, produced));
    if (remaining === 0) break;
  }
  return Buffer.concat(out);
}

describe('compression codecs', () => {
  it('maps attribute codes 0..4 and rejects 5..7', () => {
    for (const [name, code] of Object.entries(COMPRESSION_CODES)) assert.equal(compressionFromCode(code), name);
    for (const code of [5, 6, 7, -1, 8]) assert.throws(() => compressionFromCode(code), isCode('UNKNOWN_COMPRESSION'));
  });

  it('round-trips arbitrary and JSON-like inputs through every codec', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
      fc.integer({ min: 0, max: 150_000 }).map((n) => jsonLike(n)),
    );
    for (const codec of ['none', ...CODECS] as CompressionType[]) {
      fc.assert(
        fc.property(input, (buf) => {
          const c = compress(codec, buf);
          assert.deepEqual(decompress(codec, c), buf);
        }),
        { numRuns: 60 },
      );
    }
  });

  describe('snappy framing', () => {
    it('writes the xerial header (magic, version 1, compat 1) and 32 KiB blocks', () => {
      const data = jsonLike(XERIAL_BLOCK_SIZE * 2 + 5);
      const c = compress('snappy', data);
      assert.deepEqual(c.subarray(0, 16), Buffer.from('82534e41505059000000000100000001', 'hex'));
      let pos = 16;
      let blocks = 0;
      while (pos < c.length) {
        const len = c.readInt32BE(pos);
        pos += 4 + len;
        blocks++;
      }
      assert.equal(pos, c.length);
      assert.equal(blocks, 3);
    });

    it('never writes a header-only stream (librdkafka needs > 20 bytes to detect xerial)', () => {
      const c = compress('snappy', Buffer.alloc(0));
      assert.ok(c.length > 20, `length ${c.length}`);
      assert.equal(decompress('snappy', c).length, 0);
    });

    it('reads raw snappy (librdkafka, kafkajs-snappy) and xerial with any block size', () => {
      const data = jsonLike(100_000);
      assert.deepEqual(decompress('snappy', snappyCompressRaw(data)), data);
      assert.deepEqual(decompress('snappy', snappyRaw(data)), data);
      for (const blockSize of [1, 7, 1000, 65536, 100_000]) {
        const blocks: Buffer[] = [];
        for (let i = 0; i < data.length; i += blockSize) blocks.push(data.subarray(i, i + blockSize));
        assert.deepEqual(decompress('snappy', xerial(blocks)), data, `block size ${blockSize}`);
      }
      // other version / compat values are accepted, as librdkafka does
      assert.deepEqual(decompress('snappy', xerial([data], 2, 0)), data);
      // header only = empty payload
      assert.equal(decompress('snappy', xerial([])).length, 0);
    });

    it('rejects bad xerial block lengths and corrupt blocks', () => {
      const good = xerial([jsonLike(5000)]);
      const negative = Buffer.from(good);
      negative.writeInt32BE(-5, 16);
      assert.throws(() => decompress('snappy', negative), isCode('CORRUPT_COMPRESSED'));
      const long = Buffer.from(good);
      long.writeInt32BE(good.length, 16);
      assert.throws(() => decompress('snappy', long), isCode('CORRUPT_COMPRESSED'));
      assert.throws(() => decompress('snappy', Buffer.concat([good, Buffer.from([0, 0])])), isCode('CORRUPT_COMPRESSED'));
      const cut = Buffer.from(good.subarray(0, good.length - 3));
      assert.throws(() => decompress('snappy', cut), isCode('CORRUPT_COMPRESSED'));
    });
  });

  describe('lz4 framing', () => {
    it('writes Kafka-compatible frames: one frame, independent blocks, no checksums, valid header checksum', () => {
      for (const n of [100, 65536, 200_000, 2 << 20]) {
        const c = compress('lz4', jsonLike(n));
        assert.deepEqual(c.subarray(0, 4), Buffer.from([0x04, 0x22, 0x4d, 0x18]));
        assert.equal(c[4], 0x60, 'version 01 + block independence (Java rejects linked blocks), no checksums');
        assert.ok([0x40, 0x50, 0x60, 0x70].includes(c[5]), `block size id ${c[5].toString(16)}`);
        assert.equal(c[6], (xxh32(c.subarray(4, 6)) >>> 8) & 0xff, 'standard HC (not the KAFKA-3160 variant)');
        assert.equal(c.readUInt32LE(c.length - 4), 0, 'ends with the end mark');
      }
    });

    it('reads hand-built frames: stored blocks, block and content checksums, content size; one frame only', () => {
      const a = Buffer.from('hello, ');
      const b = Buffer.from('lz4 frame world');
      const plain = Buffer.concat([a, b]);
      const variants: HandFrame[] = [
        { blocks: [a, b] },
        { blocks: [a, b], blockChecksum: true },
        { blocks: [a, b], contentChecksum: true },
        { blocks: [a, b], contentSize: BigInt(plain.length) },
        { blocks: [a, b], blockChecksum: true, contentChecksum: true, contentSize: BigInt(plain.length), bd: 0x70 },
      ];
      for (const [i, v] of variants.entries()) assert.deepEqual(decompress('lz4', lz4HandFrame(v)), plain, `variant ${i}`);
      // skippable frames are refused (Java's reader and lz4_flex both reject them)
      const skippable = Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
      assert.throws(() => decompress('lz4', Buffer.concat([skippable, lz4HandFrame({ blocks: [plain] })])), isCode('CORRUPT_COMPRESSED'));
      assert.deepEqual(decompress('lz4', compressFrameSync(plain, { contentChecksum: true, blockChecksums: true })), plain);
      // a second frame is refused: Java's reader and lz4-napi both stop after the first (silent loss)
      const two = Buffer.concat([lz4HandFrame({ blocks: [a] }), lz4HandFrame({ blocks: [b] })]);
      assert.throws(() => decompress('lz4', two), isCode('CORRUPT_COMPRESSED'));
      // our xxh32 agrees with lz4_flex's content checksum
      const cc = compressFrameSync(plain, { contentChecksum: true });
      assert.equal(cc.readUInt32LE(cc.length - 4), xxh32(plain));
    });

    it('rejects truncated frames, trailing garbage, bad descriptors and bad checksums', () => {
      const f = compress('lz4', jsonLike(10_000));
      for (const cut of [0, 3, 4, 6, 7, 10, f.length - 4, f.length - 1]) {
        assert.throws(() => decompress('lz4', f.subarray(0, cut)), isCode('CORRUPT_COMPRESSED'), `cut ${cut}`);
      }
      assert.throws(() => decompress('lz4', Buffer.concat([f, Buffer.from([1, 2, 3, 4, 5])])), isCode('CORRUPT_COMPRESSED'));
      const badHc = Buffer.from(f);
      badHc[6] ^= 1;
      assert.throws(() => decompress('lz4', badHc), isCode('CORRUPT_COMPRESSED'));
      const badBd = Buffer.from(f);
      badBd[5] = 0x30; // block max id 3 is reserved
      assert.throws(() => decompress('lz4', badBd), isCode('CORRUPT_COMPRESSED'));
      const badCc = lz4HandFrame({ blocks: [Buffer.from('abc')], contentChecksum: true });
      badCc[badCc.length - 1] ^= 1;
      assert.throws(() => decompress('lz4', badCc), isCode('CORRUPT_COMPRESSED'));
      const oversized = lz4HandFrame({ blocks: [Buffer.alloc(70_000)] }); // > 64 KiB block max
      assert.throws(() => decompress('lz4', oversized), isCode('CORRUPT_COMPRESSED'));
    });
  });

  describe('zstd', () => {
    it('decodes frames without a content size, multi-frame payloads, and exact chunk-size outputs', () => {
      for (const n of [1, 1000, 131072, 131072 * 2, 300_000]) {
        const data = jsonLike(n, n);
        const s = zstdStreamed(data);
        assert.equal(binding.getFrameContentSize(s), null, `frame of ${n} bytes declares no size`);
        assert.deepEqual(decompress('zstd', s), data, `streamed ${n}`);
      }
      const a = jsonLike(5000, 1);
      const b = jsonLike(7000, 2);
      assert.deepEqual(decompress('zstd', Buffer.concat([compress('zstd', a), compress('zstd', b)])), Buffer.concat([a, b]));
      assert.deepEqual(decompress('zstd', Buffer.concat([zstdStreamed(a), compress('zstd', b)])), Buffer.concat([a, b]));
    });

    it('rejects truncated streams (zstd-napi alone would return a prefix)', () => {
      const s = zstdStreamed(jsonLike(200_000));
      for (const cut of [1, 5, 100, s.length - 1]) {
        assert.throws(() => decompress('zstd', s.subarray(0, cut)), isCode('CORRUPT_COMPRESSED'), `cut ${cut}`);
      }
      assert.throws(() => decompress('zstd', Buffer.alloc(0)), isCode('CORRUPT_COMPRESSED'));
    });
  });

  it('turns every codec failure on garbage into RecordsError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CODECS), fc.uint8Array({ maxLength: 300 }), (codec, bytes) => {
        try {
          decompress(codec, Buffer.from(bytes), { maxOutputBytes: 1 << 20 });
        } catch (e) {
          assert.ok(e instanceof RecordsError, `${codec}: ${String(e)}`);
        }
      }),
      { numRuns: 400 },
    );
    // garbage behind valid magics
    const prefixes: [CompressionType, Buffer][] = [
      ['gzip', Buffer.from([0x1f, 0x8b, 8, 0])],
      ['snappy', XERIAL_MAGIC],
      ['lz4', Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40])],
      ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 200 }), ([codec, magic], bytes) => {
        try {
          decompress(codec, Buffer.concat([magic, Buffer.from(bytes)]), { maxOutputBytes: 1 << 20 });
        } catch (e) {
          assert.ok(e instanceof RecordsError, `${codec}: ${String(e)}`);
        }
      }),
      { numRuns: 400 },
    );
  });

  describe('decompression bombs', () => {
    it('enforces maxOutputBytes exactly for every codec', () => {
      const data = jsonLike(300_000);
      for (const codec of CODECS) {
        const c = compress(codec, data);
        assert.equal(decompress(codec, c, { maxOutputBytes: data.length }).length, data.length, codec);
        assert.throws(() => decompress(codec, c, { maxOutputBytes: data.length - 1 }), isCode('DECOMPRESSED_TOO_LARGE'), codec);
        assert.throws(() => decompress(codec, c, { maxOutputBytes: 1000 }), isCode('DECOMPRESSED_TOO_LARGE'), codec);
      }
      const streamed = zstdStreamed(data);
      assert.throws(() => decompress('zstd', streamed, { maxOutputBytes: data.length - 1 }), isCode('DECOMPRESSED_TOO_LARGE'));
      assert.equal(decompress('zstd', streamed, { maxOutputBytes: data.length }).length, data.length);
    });

    it('refuses a payload above the default 64 MiB limit for every codec', () => {
      const zeros = Buffer.alloc(DEFAULT_MAX_DECOMPRESSED_BYTES + 1);
      const bombs: [CompressionType, Buffer][] = [
        ['gzip', gzipSync(zeros, { level: 1 })],
        ['snappy', compress('snappy', zeros)],
        ['lz4', compress('lz4', zeros)],
        ['zstd', compress('zstd', zeros, { level: 1 })],
        ['zstd', zstdStreamed(zeros)],
      ];
      for (const [codec, bomb] of bombs) {
        assert.ok(bomb.length < 4 << 20, `${codec} bomb is ${bomb.length} bytes`);
        assert.throws(() => decompress(codec, bomb), isCode('DECOMPRESSED_TOO_LARGE'), codec);
      }
    });

    it('refuses lying size headers before allocating', () => {
      // raw snappy whose preamble claims 4 GiB - 1
      assert.throws(() => decompress('snappy', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])), isCode('DECOMPRESSED_TOO_LARGE'));
      // xerial whose second block claims 2 GiB
      const lie = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08, 0x00]);
      const x = Buffer.concat([xerial([Buffer.from('abc')]), Buffer.from([0, 0, 0, lie.length]), lie]);
      assert.throws(() => decompress('snappy', x), isCode('DECOMPRESSED_TOO_LARGE'));
      // lz4 frame declaring a 1 TiB content size
      assert.throws(
        () => decompress('lz4', lz4HandFrame({ blocks: [Buffer.from('abc')], contentSize: 1n << 40n })),
        isCode('DECOMPRESSED_TOO_LARGE'),
      );
      // lz4 frame with many tiny blocks cannot claim more than ~255x each
      const tiny = lz4HandFrame({ blocks: Array.from({ length: 100 }, () => Buffer.from('x')) });
      assert.equal(decompress('lz4', tiny).length, 100);
      // zstd frame header declaring 2^40 bytes (single segment, 8-byte FCS), no valid blocks behind it
      const fcs = Buffer.alloc(8);
      fcs.writeBigUInt64LE(1n << 40n);
      const zstdLie = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0]), fcs, Buffer.from([1, 0, 0])]);
      assert.throws(() => decompress('zstd', zstdLie), isCode('DECOMPRESSED_TOO_LARGE'));
    });
  });
});
