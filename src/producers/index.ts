export { ProducerErrorCode } from './errors.js';
export * from './producer-state.js';
export * from './init-producer-id.js';
