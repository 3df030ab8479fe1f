/**
 * The classic group coordinator: many `Group`s by id, plus the checks Kafka's GroupCoordinator makes
 * before reaching a group (group id, coordinator active, session timeout bounds, group creation),
 * and the group-level admin APIs (DescribeGroups, ListGroups, DeleteGroups) that also consult the
 * offset store, so that groups which only have committed offsets are listed as Empty and can be
 * deleted.
 *
 * Group ids: '' is INVALID_GROUP_ID for JoinGroup/SyncGroup/Heartbeat/LeaveGroup, but accepted by
 * OffsetCommit/DescribeGroups/DeleteGroups as in Kafka (backwards compatibility). Ids longer than
 * `maxGroupIdBytes` UTF-8 bytes (default 1024) are INVALID_GROUP_ID everywhere: Kafka allows up to
 * 32767, but group ids are primary-key columns in PostgreSQL, whose B-tree entries are limited to
 * ~2.7 kB (together with a topic name of up to 249 characters), and no real client needs more.
 *
 * State lives in memory only. After a restart members get UNKNOWN_MEMBER_ID (heartbeat/sync) or
 * ILLEGAL_GENERATION (commits) and rejoin, as they do when Kafka's coordinator moves.
 */
import type { Clock } from './clock.js';
import { SystemClock } from './clock.js';
import { GroupErrorCode as E } from './errors.js';
import { Group, joinError, syncError } from './group.js';
import {
  GroupState,
  type DeleteGroupResult,
  type DescribedGroup,
  type GroupOffsetStore,
  type HeartbeatInput,
  type JoinGroupInput,
  type JoinGroupResult,
  type LeaveGroupInput,
  type LeaveGroupResult,
  type ListedGroup,
  type ListGroupsResult,
  type SyncGroupInput,
  type SyncGroupResult,
} from './types.js';

export interface GroupCoordinatorOptions {
  /** Where committed offsets live (the MetadataStore satisfies this). */
  offsets: GroupOffsetStore;
  clock?: Clock;
  /** group.min.session.timeout.ms (Kafka default 6000). */
  minSessionTimeoutMs?: number;
  /** group.max.session.timeout.ms (Kafka default 1800000). */
  maxSessionTimeoutMs?: number;
  /**
   * group.initial.rebalance.delay.ms (Kafka default 3000): when an Empty group gets its first
   * member, the join phase waits this long (re-armed while new members keep arriving, bounded by
   * the rebalance timeout) so that consumers started together land in one generation.
   */
  initialRebalanceDelayMs?: number;
  /** group.max.size. Kafka's default is unlimited; ours is 1000 so one group cannot grow without bound. */
  maxGroupSize?: number;
  /** KIP-394 pending member ids kept per group (default: maxGroupSize); the oldest is dropped beyond it. */
  maxPendingMembers?: number;
  /** How long a new member's first JoinGroup may wait (Kafka: 300000). */
  newMemberJoinTimeoutMs?: number;
  /** How long an Empty group (no members, no pending ids) stays in memory (default 600000). */
  emptyGroupRetentionMs?: number;
  /** Longest accepted group id in UTF-8 bytes (default 1024). */
  maxGroupIdBytes?: number;
  /** Member id generator (tests); default `${clientId or instanceId}-${uuid}` as Kafka. */
  generateMemberId?: (prefix: string) => string;
}

interface ResolvedOptions {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
  maxGroupSize: number;
  maxPendingMembers: number;
  newMemberJoinTimeoutMs: number;
  emptyGroupRetentionMs: number;
  maxGroupIdBytes: number;
}

export const GROUP_COORDINATOR_DEFAULTS = {
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3_000,
  maxGroupSize: 1_000,
  newMemberJoinTimeoutMs: 300_000,
  emptyGroupRetentionMs: 600_000,
  maxGroupIdBytes: 1_024,
} as const;

/** Which APIs accept the empty group id (Kafka's isValidGroupId). */
type GroupIdUse = 'membership' | 'admin';

export class GroupCoordinator {
  readonly #clock: Clock;
  readonly #store: GroupOffsetStore;
  readonly #opts: ResolvedOptions;
  readonly #generateMemberId: ((prefix: string) => string) | undefined;
  readonly #groups = new Map<string, Group>();
  /** Groups whose DeleteGroups is in flight (offsets being deleted): joins and commits wait it out. */
  readonly #deleting = new Set<string>();
  #active = true;

  constructor(options: GroupCoordinatorOptions) {
    this.#clock = options.clock ?? new SystemClock();
    this.#store = options.offsets;
    const d = GROUP_COORDINATOR_DEFAULTS;
    const maxGroupSize = options.maxGroupSize ?? d.maxGroupSize;
    this.#opts = {
      minSessionTimeoutMs: options.minSessionTimeoutMs ?? d.minSessionTimeoutMs,
      maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? d.maxSessionTimeoutMs,
      initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? d.initialRebalanceDelayMs,
      maxGroupSize,
      maxPendingMembers: options.maxPendingMembers ?? maxGroupSize,
      newMemberJoinTimeoutMs: options.newMemberJoinTimeoutMs ?? d.newMemberJoinTimeoutMs,
      emptyGroupRetentionMs: options.emptyGroupRetentionMs ?? d.emptyGroupRetentionMs,
      maxGroupIdBytes: options.maxGroupIdBytes ?? d.maxGroupIdBytes,
    };
    this.#generateMemberId = options.generateMemberId;
  }

  /** The group object, for inspection (tests, metrics); undefined when not in memory. */
  group(groupId: string): Group | undefined {
    return this.#groups.get(groupId);
  }

  /** Number of groups held in memory. */
  get groupCount(): number {
    return this.#groups.size;
  }

  // ---------------------------------------------------------------- membership

  join(input: JoinGroupInput): Promise<JoinGroupResult> {
    const error = this.#checkGroupId(input.groupId, 'membership') ?? this.#checkDeleting(input.groupId);
    if (error !== undefined) return Promise.resolve(joinError(input.memberId, error));
    if (input.sessionTimeoutMs < this.#opts.minSessionTimeoutMs || input.sessionTimeoutMs > this.#opts.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(input.memberId, E.INVALID_SESSION_TIMEOUT));
    }
    const normalized: JoinGroupInput =
      input.rebalanceTimeoutMs < 0 ? { ...input, rebalanceTimeoutMs: input.sessionTimeoutMs } : input;
    let group = this.#groups.get(input.groupId);
    if (group === undefined) {
      // Only a member without an id may create a group.
      if (input.memberId !== '') return Promise.resolve(joinError(input.memberId, E.UNKNOWN_MEMBER_ID));
      group = this.#createGroup(input.groupId);
    }
    const g = group;
    return new Promise((resolve) => g.join(normalized, resolve));
  }

  sync(input: SyncGroupInput): Promise<SyncGroupResult> {
    const error = this.#checkGroupId(input.groupId, 'membership');
    if (error !== undefined) return Promise.resolve(syncError(error));
    const group = this.#groups.get(input.groupId);
    if (group === undefined) return Promise.resolve(syncError(E.UNKNOWN_MEMBER_ID));
    return new Promise((resolve) => group.sync(input, resolve));
  }

  heartbeat(input: HeartbeatInput): number {
    const error = this.#checkGroupId(input.groupId, 'membership');
    if (error !== undefined) return error;
    const group = this.#groups.get(input.groupId);
    if (group === undefined) return E.UNKNOWN_MEMBER_ID;
    return group.heartbeat(input);
  }

  leave(input: LeaveGroupInput): LeaveGroupResult {
    const error = this.#checkGroupId(input.groupId, 'membership');
    if (error !== undefined) return { errorCode: error, members: [] };
    const group = this.#groups.get(input.groupId);
    if (group === undefined) {
      return {
        errorCode: E.NONE,
        members: input.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          errorCode: E.UNKNOWN_MEMBER_ID,
        })),
      };
    }
    return group.leave(input.members);
  }

  /**
   * The error code for an OffsetCommit (NONE to go ahead and store the offsets):
   * - generation < 0 with no member id and no instance id is a standalone ("simple") commit,
   *   allowed when the group has no members (or does not exist in memory);
   * - otherwise the member must exist (UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID) and the generation
   *   match (ILLEGAL_GENERATION); a commit for a group we do not hold with generation ≥ 0 is
   *   ILLEGAL_GENERATION, as Kafka answers;
   * - REBALANCE_IN_PROGRESS while the group is CompletingRebalance; commits during
   *   PreparingRebalance are accepted (the heartbeat tells the member to rejoin).
   * The empty group id is accepted, as Kafka does for OffsetCommit.
   */
  validateOffsetCommit(groupId: string, memberId: string, generationId: number, groupInstanceId: string | null): number {
    const error = this.#checkGroupId(groupId, 'admin') ?? this.#checkDeleting(groupId);
    if (error !== undefined) return error;
    const group = this.#groups.get(groupId);
    if (group === undefined) return generationId < 0 ? E.NONE : E.ILLEGAL_GENERATION;
    return group.validateOffsetCommit(memberId, generationId, groupInstanceId);
  }

  // ---------------------------------------------------------------- admin

  async describeGroups(groupIds: readonly string[]): Promise<DescribedGroup[]> {
    let offsetGroups: Set<string> | undefined;
    const out: DescribedGroup[] = [];
    for (const groupId of groupIds) {
      const error = this.#checkGroupId(groupId, 'admin');
      if (error !== undefined) {
        out.push(deadGroup(groupId, error));
        continue;
      }
      const group = this.#groups.get(groupId);
      if (group !== undefined && group.state !== GroupState.Dead) {
        out.push(group.describe());
        continue;
      }
      if (offsetGroups === undefined) {
        try {
          offsetGroups = new Set(await this.#store.listOffsetGroups());
        } catch {
          out.push(deadGroup(groupId, E.COORDINATOR_NOT_AVAILABLE));
          continue;
        }
      }
      // A group known only by its committed offsets is Empty; anything else does not exist: Dead
      // with no error (DescribeGroups v0–5; v6 would say GROUP_ID_NOT_FOUND).
      out.push(
        offsetGroups.has(groupId)
          ? { errorCode: E.NONE, groupId, state: GroupState.Empty, protocolType: '', protocolData: '', members: [] }
          : deadGroup(groupId, E.NONE),
      );
    }
    return out;
  }

  async describeGroup(groupId: string): Promise<DescribedGroup> {
    return (await this.describeGroups([groupId]))[0];
  }

  /**
   * ListGroups. `statesFilter` (v4+) is matched case-insensitively against the Kafka state names;
   * empty or absent lists every group. Groups that only have committed offsets are Empty.
   */
  async listGroups(statesFilter: readonly string[] = []): Promise<ListGroupsResult> {
    if (!this.#active) return { errorCode: E.COORDINATOR_NOT_AVAILABLE, groups: [] };
    let offsetGroups: string[];
    try {
      offsetGroups = await this.#store.listOffsetGroups();
    } catch {
      return { errorCode: E.COORDINATOR_NOT_AVAILABLE, groups: [] };
    }
    const wanted = new Set(statesFilter.map((s) => s.toLowerCase()));
    const keep = (g: ListedGroup): boolean => wanted.size === 0 || wanted.has(g.state.toLowerCase());
    const groups: ListedGroup[] = [];
    const seen = new Set<string>();
    for (const group of this.#groups.values()) {
      if (group.state === GroupState.Dead) continue;
      seen.add(group.groupId);
      const overview = group.overview();
      if (keep(overview)) groups.push(overview);
    }
    for (const groupId of offsetGroups) {
      if (seen.has(groupId) || this.#deleting.has(groupId)) continue;
      seen.add(groupId);
      const overview: ListedGroup = { groupId, protocolType: '', state: GroupState.Empty, groupType: 'classic' };
      if (keep(overview)) groups.push(overview);
    }
    return { errorCode: E.NONE, groups };
  }

  /**
   * DeleteGroups: NON_EMPTY_GROUP while a group has members, GROUP_ID_NOT_FOUND when neither members
   * nor committed offsets exist; otherwise the group is dropped and its offsets deleted.
   * A failure of the offset store answers COORDINATOR_NOT_AVAILABLE (retriable), as Kafka maps
   * storage errors for group metadata.
   */
  async deleteGroups(groupIds: readonly string[]): Promise<DeleteGroupResult[]> {
    const results = new Map<string, number>();
    const candidates: string[] = [];
    for (const groupId of new Set(groupIds)) {
      const error = this.#checkGroupId(groupId, 'admin') ?? this.#checkDeleting(groupId);
      if (error !== undefined) {
        results.set(groupId, error);
        continue;
      }
      const group = this.#groups.get(groupId);
      if (group !== undefined && group.state !== GroupState.Dead && group.size > 0) {
        results.set(groupId, E.NON_EMPTY_GROUP);
        continue;
      }
      if (group !== undefined && group.state !== GroupState.Empty && group.state !== GroupState.Dead) {
        results.set(groupId, E.NON_EMPTY_GROUP);
        continue;
      }
      candidates.push(groupId);
    }
    if (candidates.length > 0) {
      let offsetGroups: Set<string> | undefined;
      try {
        offsetGroups = new Set(await this.#store.listOffsetGroups());
      } catch {
        for (const id of candidates) results.set(id, E.COORDINATOR_NOT_AVAILABLE);
      }
      if (offsetGroups !== undefined) {
        const work: Promise<void>[] = [];
        for (const groupId of candidates) {
          // Re-check: a member may have joined while the store answered.
          const group = this.#groups.get(groupId);
          if (!this.#active) {
            results.set(groupId, E.COORDINATOR_NOT_AVAILABLE);
          } else if (this.#deleting.has(groupId)) {
            results.set(groupId, E.COORDINATOR_LOAD_IN_PROGRESS);
          } else if (group !== undefined && !group.delete()) {
            results.set(groupId, E.NON_EMPTY_GROUP);
          } else if (group === undefined && !offsetGroups.has(groupId)) {
            results.set(groupId, E.GROUP_ID_NOT_FOUND);
          } else {
            if (group !== undefined) this.#groups.delete(groupId);
            this.#deleting.add(groupId);
            work.push(
              this.#store.deleteGroupOffsets(groupId).then(
                () => void results.set(groupId, E.NONE),
                () => void results.set(groupId, E.COORDINATOR_NOT_AVAILABLE),
              ).finally(() => this.#deleting.delete(groupId)),
            );
          }
        }
        await Promise.all(work);
      }
    }
    return groupIds.filter((id, i) => groupIds.indexOf(id) === i).map((groupId) => ({
      groupId,
      errorCode: results.get(groupId) ?? E.UNKNOWN_SERVER_ERROR,
    }));
  }

  /**
   * Stops the coordinator: every pending JoinGroup/SyncGroup is answered NOT_COORDINATOR (clients
   * look the coordinator up again), every timer is cleared, and later requests get
   * COORDINATOR_NOT_AVAILABLE.
   */
  close(): void {
    if (!this.#active) return;
    this.#active = false;
    for (const group of this.#groups.values()) group.shutdown(E.NOT_COORDINATOR);
    this.#groups.clear();
  }

  // ---------------------------------------------------------------- internals

  #createGroup(groupId: string): Group {
    const group = new Group(groupId, {
      clock: this.#clock,
      initialRebalanceDelayMs: this.#opts.initialRebalanceDelayMs,
      maxGroupSize: this.#opts.maxGroupSize,
      maxPendingMembers: this.#opts.maxPendingMembers,
      newMemberJoinTimeoutMs: this.#opts.newMemberJoinTimeoutMs,
      emptyGroupRetentionMs: this.#opts.emptyGroupRetentionMs,
      generateMemberId: this.#generateMemberId,
      onExpired: (g) => {
        if (this.#groups.get(g.groupId) === g) this.#groups.delete(g.groupId);
      },
    });
    this.#groups.set(groupId, group);
    return group;
  }

  #checkGroupId(groupId: string, use: GroupIdUse): number | undefined {
    if (typeof groupId !== 'string') return E.INVALID_GROUP_ID;
    if (use === 'membership' && groupId === '') return E.INVALID_GROUP_ID;
    // Cheap bound first: a UTF-8 byte is at least one UTF-16 unit, at most 3 per unit.
    if (groupId.length > this.#opts.maxGroupIdBytes || Buffer.byteLength(groupId, 'utf8') > this.#opts.maxGroupIdBytes) {
      return E.INVALID_GROUP_ID;
    }
    if (!this.#active) return E.COORDINATOR_NOT_AVAILABLE;
    return undefined;
  }

  #checkDeleting(groupId: string): number | undefined {
    // Retriable: the client retries after the offsets are gone, so it cannot commit into a
    // deletion that is still running.
    return this.#deleting.has(groupId) ? E.COORDINATOR_LOAD_IN_PROGRESS : undefined;
  }
}

function deadGroup(groupId: string, errorCode: number): DescribedGroup {
  return { errorCode, groupId, state: GroupState.Dead, protocolType: '', protocolData: '', members: [] };
}
