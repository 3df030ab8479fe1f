/** The generated codecs of the APIs under test, as harness Codecs, and small wire helpers. */
import * as dg from '../../../protocol/generated/delete-groups.js';
import * as dsg from '../../../protocol/generated/describe-groups.js';
import * as fc from '../../../protocol/generated/find-coordinator.js';
import * as hb from '../../../protocol/generated/heartbeat.js';
import * as ipi from '../../../protocol/generated/init-producer-id.js';
import * as jg from '../../../protocol/generated/join-group.js';
import * as lg from '../../../protocol/generated/leave-group.js';
import * as lsg from '../../../protocol/generated/list-groups.js';
import * as oc from '../../../protocol/generated/offset-commit.js';
import * as od from '../../../protocol/generated/offset-delete.js';
import * as of from '../../../protocol/generated/offset-fetch.js';
import * as sg from '../../../protocol/generated/sync-group.js';
import { codec } from './harness.js';

export const FindCoordinator = codec(fc.writeFindCoordinatorRequest, fc.readFindCoordinatorRequest, fc.writeFindCoordinatorResponse, fc.readFindCoordinatorResponse);
export const JoinGroup = codec(jg.writeJoinGroupRequest, jg.readJoinGroupRequest, jg.writeJoinGroupResponse, jg.readJoinGroupResponse);
export const SyncGroup = codec(sg.writeSyncGroupRequest, sg.readSyncGroupRequest, sg.writeSyncGroupResponse, sg.readSyncGroupResponse);
export const Heartbeat = codec(hb.writeHeartbeatRequest, hb.readHeartbeatRequest, hb.writeHeartbeatResponse, hb.readHeartbeatResponse);
export const LeaveGroup = codec(lg.writeLeaveGroupRequest, lg.readLeaveGroupRequest, lg.writeLeaveGroupResponse, lg.readLeaveGroupResponse);
export const DescribeGroups = codec(dsg.writeDescribeGroupsRequest, dsg.readDescribeGroupsRequest, dsg.writeDescribeGroupsResponse, dsg.readDescribeGroupsResponse);
export const ListGroups = codec(lsg.writeListGroupsRequest, lsg.readListGroupsRequest, lsg.writeListGroupsResponse, lsg.readListGroupsResponse);
export const DeleteGroups = codec(dg.writeDeleteGroupsRequest, dg.readDeleteGroupsRequest, dg.writeDeleteGroupsResponse, dg.readDeleteGroupsResponse);
export const OffsetCommit = codec(oc.writeOffsetCommitRequest, oc.readOffsetCommitRequest, oc.writeOffsetCommitResponse, oc.readOffsetCommitResponse);
export const OffsetFetch = codec(of.writeOffsetFetchRequest, of.readOffsetFetchRequest, of.writeOffsetFetchResponse, of.readOffsetFetchResponse);
export const OffsetDelete = codec(od.writeOffsetDeleteRequest, od.readOffsetDeleteRequest, od.writeOffsetDeleteResponse, od.readOffsetDeleteResponse);
export const InitProducerId = codec(ipi.writeInitProducerIdRequest, ipi.readInitProducerIdRequest, ipi.writeInitProducerIdResponse, ipi.readInitProducerIdResponse);

/** A ConsumerProtocolSubscription v0: int16 version, topics (int32 count + int16 strings), null user data. */
export function subscription(topics: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(6);
  head.writeInt16BE(0, 0);
  head.writeInt32BE(topics.length, 2);
  parts.push(head);
  for (const t of topics) {
    const s = Buffer.from(t, 'utf8');
    const len = Buffer.alloc(2);
    len.writeInt16BE(s.length, 0);
    parts.push(len, s);
  }
  const userData = Buffer.alloc(4);
  userData.writeInt32BE(-1, 0);
  parts.push(userData);
  return Buffer.concat(parts);
}
