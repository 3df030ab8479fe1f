// Kafka magic-v2 record batches and compression codecs (sans-io: imports nothing from src/).
export * from './errors.js';
export { crc32c } from './crc32c.js';
export * from './batch-header.js';
export * from './batches.js';
export * from './records.js';
export * from './control.js';
export * from './builder.js';
export * from './compression/index.js';
export { RecordCursor, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';
