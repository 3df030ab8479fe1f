export { startBroker, type Broker, type StartBrokerOptions } from './broker.js';
export { parseConfig, helpText, type BrokerConfig } from './config.js';
export type { MetadataStore } from './metadata/metadata-store.js';
export type { ObjectStore } from './objects/object-store.js';
