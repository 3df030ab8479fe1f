// The protocol package: sans-io Kafka wire codec. Imports nothing from src/.
export * from './runtime/index.js';
export * from './generated/index.js';
export * from './frames.js';
