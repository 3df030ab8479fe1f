import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import type { GroupCoordinator } from '../groups/group-coordinator.js';
import type { LogManager } from '../log/log-manager.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { ConnectionInfo } from '../server/connection.js';
import type { RequestHeader } from '../../protocol/generated/request-header.js';

/** Who this broker is to clients (Metadata, FindCoordinator, DescribeCluster). */
export interface BrokerIdentity {
  nodeId: number;
  clusterId: string;
  host: string;
  port: number;
  rack: string | null;
}

/** What every handler may use; handlers never touch sockets. */
export interface BrokerServices {
  identity: BrokerIdentity;
  config: BrokerConfig;
  logs: LogManager;
  metadata: MetadataStore;
  groups: GroupCoordinator;
  log: Logger;
  /** False once the broker is stopping: long-polls return at once. */
  isOpen(): boolean;
}

export interface RequestContext extends BrokerServices {
  header: RequestHeader;
  conn: ConnectionInfo;
}

/**
 * One API: the versions it serves and how. `handle` returns the response body (missing fields
 * take their schema defaults) or null when no response is sent (Produce with acks=0).
 */
export interface ApiHandler<Req = unknown, Res = unknown> {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
  handle(ctx: RequestContext, request: Req, version: number): Promise<Res | null>;
}
