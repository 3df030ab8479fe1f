/**
 * Plain inputs and outputs of the classic group coordinator. Handlers map the wire messages
 * (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, DescribeGroups, ListGroups, DeleteGroups,
 * OffsetCommit) onto these; nothing here depends on the protocol codec.
 *
 * Buffers handed in (protocol metadata, assignments) are COPIED before they are kept, because
 * decoded `bytes` fields are views into the request frame and keeping a view would pin the frame.
 */

export const GroupState = {
  Empty: 'Empty',
  PreparingRebalance: 'PreparingRebalance',
  CompletingRebalance: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;
export type GroupStateName = (typeof GroupState)[keyof typeof GroupState];

export interface GroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinGroupInput {
  groupId: string;
  /** '' for a member joining for the first time. */
  memberId: string;
  /** group.instance.id (KIP-345, JoinGroup v5+), or null for a dynamic member. */
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  /** JoinGroup v0 has none: pass -1 and the session timeout is used, as Kafka does. */
  rebalanceTimeoutMs: number;
  protocolType: string;
  /** In the member's order of preference. */
  protocols: GroupProtocol[];
  /** KIP-394: true for JoinGroup v4+ (a new dynamic member first gets MEMBER_ID_REQUIRED). */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a static leader rejoining a Stable group may be told to skip the assignment. */
  supportSkippingAssignment?: boolean;
  reason?: string | null;
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinGroupResult {
  errorCode: number;
  /** -1 on errors. */
  generationId: number;
  /** null on errors; JoinGroup v0–6 encode null as ''. */
  protocolType: string | null;
  protocolName: string | null;
  /** '' when unknown. */
  leader: string;
  skipAssignment: boolean;
  /** The member's id: the one assigned (also with MEMBER_ID_REQUIRED), or '' on most errors. */
  memberId: string;
  /** Every member's metadata for the chosen protocol: only for the leader, empty for followers. */
  members: JoinGroupMember[];
}

export interface SyncGroupInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** SyncGroup v5+: checked against the group when present (null = not sent). */
  protocolType: string | null;
  protocolName: string | null;
  /** Only the leader's are used; members it leaves out get an empty assignment. */
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface SyncGroupResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  /** Zero-length (never absent) on errors and for members the leader gave nothing. */
  assignment: Buffer;
}

export interface HeartbeatInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveMemberInput {
  /** '' to remove a static member by its groupInstanceId alone (admin removal, v3+). */
  memberId: string;
  groupInstanceId: string | null;
  reason?: string | null;
}

export interface LeaveGroupInput {
  groupId: string;
  /** LeaveGroup v0–2 carry one member id: pass `[{ memberId, groupInstanceId: null }]`. */
  members: LeaveMemberInput[];
}

export interface LeaveGroupResult {
  /**
   * Top-level error. For v0–2 responses use `errorCode` if it is not NONE, else `members[0].errorCode`
   * (as Kafka's LeaveGroupResponse does for old versions).
   */
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Metadata for the chosen protocol; only filled in when the group is Stable (as Kafka). */
  metadata: Buffer;
  /** Only filled in when the group is Stable (as Kafka). */
  assignment: Buffer;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  /** Kafka state name; 'Dead' for a group that does not exist (DescribeGroups v0–5 semantics). */
  state: GroupStateName;
  protocolType: string;
  /** The chosen protocol name when Stable, else ''. */
  protocolData: string;
  members: DescribedMember[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: GroupStateName;
  /** ListGroups v5 GroupType: every group here is a classic group. */
  groupType: 'classic';
}

export interface ListGroupsResult {
  errorCode: number;
  groups: ListedGroup[];
}

export interface DeleteGroupResult {
  groupId: string;
  errorCode: number;
}

/** The slice of the metadata store the coordinator needs (MetadataStore satisfies it). */
export interface GroupOffsetStore {
  deleteGroupOffsets(groupId: string): Promise<void>;
  listOffsetGroups(): Promise<string[]>;
}
