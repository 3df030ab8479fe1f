/**
 * One classic consumer group: the state machine of Kafka's GroupCoordinator/GroupMetadata
 * (apache/kafka core/src/main/scala/kafka/coordinator/group/, 3.x), re-expressed with an injected
 * clock. States: Empty → PreparingRebalance → CompletingRebalance → Stable (and Dead once the group
 * is deleted, expired or the coordinator shuts down).
 *
 * Requests that complete later (JoinGroup, SyncGroup) take a `respond` callback; EVERY callback is
 * called exactly once — with a result, with an error when the member is removed/fenced/superseded,
 * or with NOT_COORDINATOR on shutdown — so a connection's in-order response queue can never stall
 * on a request the group forgot. Callbacks must not re-enter the group synchronously (the
 * coordinator passes Promise resolvers, which never do).
 *
 * Timers (all through `Clock`):
 * - join timer: the initial delay (group.initial.rebalance.delay.ms, re-armed while new members keep
 *   arriving, up to the rebalance timeout) when rebalancing from Empty; otherwise the rebalance
 *   timeout, completed early once every member has rejoined and no pending member is outstanding.
 * - sync timer: the rebalance timeout after a join completes; members that have not sent SyncGroup
 *   by then are removed and a new rebalance starts (Kafka's DelayedSync).
 * - one timer per member: the session timeout (re-armed by heartbeats, commits, joins, syncs); a
 *   member awaiting a join or sync response is exempt (the rebalance deadlines cover it), except a
 *   brand-new member, whose first JoinGroup may wait at most `newMemberJoinTimeoutMs` (5 minutes).
 * - one timer per pending member (KIP-394): its session timeout.
 * - idle timer: an Empty group without pending members is dropped after `emptyGroupRetentionMs`
 *   (its committed offsets, if any, live in the offset store and keep it visible as Empty).
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from './clock.js';
import { GroupErrorCode as E } from './errors.js';
import {
  GroupState,
  type DescribedGroup,
  type GroupProtocol,
  type GroupStateName,
  type HeartbeatInput,
  type JoinGroupInput,
  type JoinGroupMember,
  type JoinGroupResult,
  type LeaveGroupResult,
  type LeaveMemberInput,
  type ListedGroup,
  type SyncGroupInput,
  type SyncGroupResult,
} from './types.js';

export type JoinResponder = (result: JoinGroupResult) => void;
export type SyncResponder = (result: SyncGroupResult) => void;

export interface GroupOptions {
  clock: Clock;
  /** group.initial.rebalance.delay.ms (Kafka default 3000): batches the first joiners of an Empty group. */
  initialRebalanceDelayMs: number;
  /** group.max.size. */
  maxGroupSize: number;
  /** Cap on KIP-394 pending member ids; the oldest is forgotten when a new one would exceed it. */
  maxPendingMembers: number;
  /** How long a new member's first JoinGroup may wait (Kafka: 5 minutes). */
  newMemberJoinTimeoutMs: number;
  /** How long an Empty group with no pending members stays in memory. */
  emptyGroupRetentionMs: number;
  /** Called once when the group expires (it is then Dead). */
  onExpired?: (group: Group) => void;
  /** Member id generator; default `${prefix}-${randomUUID()}` as Kafka. */
  generateMemberId?: (prefix: string) => string;
}

const EMPTY = Buffer.alloc(0);

export function joinError(memberId: string, errorCode: number): JoinGroupResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  };
}

export function syncError(errorCode: number): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

/** Copies protocols out of the request frame, keeping the first of duplicate names. */
function copyProtocols(protocols: readonly GroupProtocol[]): GroupProtocol[] {
  const seen = new Set<string>();
  const out: GroupProtocol[] = [];
  for (const p of protocols) {
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    out.push({ name: p.name, metadata: Buffer.from(p.metadata) });
  }
  return out;
}

class Member {
  assignment: Buffer = EMPTY;
  joinWaiter: JoinResponder | null = null;
  syncWaiter: SyncResponder | null = null;
  /** Added by a JoinGroup that has not been answered yet (Kafka's MemberMetadata.isNew). */
  isNew = false;
  timer: TimerHandle | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public protocols: GroupProtocol[],
  ) {}

  matches(protocols: readonly GroupProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    for (let i = 0; i < protocols.length; i++) {
      const a = protocols[i];
      const b = this.protocols[i];
      if (a.name !== b.name || !a.metadata.equals(b.metadata)) return false;
    }
    return true;
  }

  metadataFor(protocolName: string | null): Buffer {
    return this.protocols.find((p) => p.name === protocolName)?.metadata ?? EMPTY;
  }

  /** The member's most preferred protocol among the candidates. */
  vote(candidates: ReadonlySet<string>): string | undefined {
    return this.protocols.find((p) => candidates.has(p.name))?.name;
  }
}

type JoinTimer =
  | { kind: 'initial'; handle: TimerHandle }
  | { kind: 'rebalance'; handle: TimerHandle };

export class Group {
  readonly #opts: GroupOptions;
  readonly #clock: Clock;
  #state: GroupStateName = GroupState.Empty;
  #stateTimestamp: number;
  #generationId = 0;
  #protocolType: string | null = null;
  #protocolName: string | null = null;
  #leaderId: string | null = null;
  /** Insertion-ordered: deterministic member lists and leader fallback. */
  readonly #members = new Map<string, Member>();
  /** group.instance.id → member id. */
  readonly #staticMembers = new Map<string, string>();
  /** KIP-394 member ids handed out with MEMBER_ID_REQUIRED, oldest first, with their expiry timers. */
  readonly #pendingMembers = new Map<string, TimerHandle>();
  /** Members that have not sent SyncGroup since the last join completed. */
  readonly #pendingSyncMembers = new Set<string>();
  /** protocol name → number of members supporting it. */
  readonly #supportedProtocols = new Map<string, number>();
  #numAwaitingJoin = 0;
  #newMemberAdded = false;
  #joinTimer: JoinTimer | null = null;
  #syncTimer: TimerHandle | null = null;
  #idleTimer: TimerHandle | null = null;

  constructor(
    readonly groupId: string,
    opts: GroupOptions,
  ) {
    this.#opts = opts;
    this.#clock = opts.clock;
    this.#stateTimestamp = opts.clock.now();
    this.#checkIdle();
  }

  // ---------------------------------------------------------------- observers

  get state(): GroupStateName {
    return this.#state;
  }
  get stateTimestamp(): number {
    return this.#stateTimestamp;
  }
  get generationId(): number {
    return this.#generationId;
  }
  get protocolType(): string | null {
    return this.#protocolType;
  }
  get protocolName(): string | null {
    return this.#protocolName;
  }
  get leaderId(): string | null {
    return this.#leaderId;
  }
  get size(): number {
    return this.#members.size;
  }
  get pendingMemberCount(): number {
    return this.#pendingMembers.size;
  }
  memberIds(): string[] {
    return [...this.#members.keys()];
  }
  hasMember(memberId: string): boolean {
    return this.#members.has(memberId);
  }

  describe(): DescribedGroup {
    const stable = this.#state === GroupState.Stable;
    return {
      errorCode: E.NONE,
      groupId: this.groupId,
      state: this.#state,
      protocolType: this.#protocolType ?? '',
      protocolData: stable ? (this.#protocolName ?? '') : '',
      members: [...this.#members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? m.metadataFor(this.#protocolName) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  overview(): ListedGroup {
    return { groupId: this.groupId, protocolType: this.#protocolType ?? '', state: this.#state, groupType: 'classic' };
  }

  // ---------------------------------------------------------------- requests

  join(input: JoinGroupInput, respond: JoinResponder): void {
    this.#run(() => {
      if (this.#state === GroupState.Dead) {
        respond(joinError(input.memberId, E.COORDINATOR_NOT_AVAILABLE));
        return;
      }
      if (!this.#acceptJoiningMember(input.memberId)) {
        // An over-full group sheds the members that have not rejoined (Kafka's acceptJoiningMember).
        this.#removeMember(input.memberId, E.GROUP_MAX_SIZE_REACHED);
        respond(joinError('', E.GROUP_MAX_SIZE_REACHED));
      } else if (input.memberId === '') {
        this.#newMemberJoin(input, respond);
      } else {
        this.#currentMemberJoin(input, respond);
      }
      if (this.#state === GroupState.PreparingRebalance) this.#tryCompleteJoin();
    });
  }

  sync(input: SyncGroupInput, respond: SyncResponder): void {
    this.#run(() => {
      if (this.#state === GroupState.Dead) return respond(syncError(E.COORDINATOR_NOT_AVAILABLE));
      const error = this.#validateCurrentMember(input.memberId, input.groupInstanceId);
      if (error !== E.NONE) return respond(syncError(error));
      if (input.generationId !== this.#generationId) return respond(syncError(E.ILLEGAL_GENERATION));
      if (input.protocolType !== null && input.protocolType !== this.#protocolType) {
        return respond(syncError(E.INCONSISTENT_GROUP_PROTOCOL));
      }
      if (input.protocolName !== null && input.protocolName !== this.#protocolName) {
        return respond(syncError(E.INCONSISTENT_GROUP_PROTOCOL));
      }
      const member = this.#members.get(input.memberId)!;
      switch (this.#state) {
        case GroupState.Empty:
          return respond(syncError(E.UNKNOWN_MEMBER_ID));
        case GroupState.PreparingRebalance:
          return respond(syncError(E.REBALANCE_IN_PROGRESS));
        case GroupState.CompletingRebalance: {
          // A retried SyncGroup supersedes the earlier one, which gets told to rejoin.
          member.syncWaiter?.(syncError(E.REBALANCE_IN_PROGRESS));
          member.syncWaiter = respond;
          this.#removePendingSync(member.memberId);
          if (this.#leaderId === member.memberId) {
            const given = new Map<string, Buffer>();
            for (const a of input.assignments) given.set(a.memberId, a.assignment);
            // Members the leader left out get a valid, empty assignment.
            for (const m of this.#members.values()) {
              const a = given.get(m.memberId);
              m.assignment = a === undefined ? EMPTY : Buffer.from(a);
            }
            this.#transitionTo(GroupState.Stable);
            this.#propagateAssignment(E.NONE);
          }
          return;
        }
        case GroupState.Stable:
          this.#removePendingSync(member.memberId);
          this.#scheduleMemberTimer(member, member.sessionTimeoutMs);
          return respond({
            errorCode: E.NONE,
            protocolType: this.#protocolType,
            protocolName: this.#protocolName,
            assignment: member.assignment,
          });
      }
    });
  }

  heartbeat(input: HeartbeatInput): number {
    return this.#run(() => {
      if (this.#state === GroupState.Dead) return E.COORDINATOR_NOT_AVAILABLE;
      const error = this.#validateCurrentMember(input.memberId, input.groupInstanceId);
      if (error !== E.NONE) return error;
      if (input.generationId !== this.#generationId) return E.ILLEGAL_GENERATION;
      const member = this.#members.get(input.memberId)!;
      switch (this.#state) {
        case GroupState.Empty:
          return E.UNKNOWN_MEMBER_ID;
        case GroupState.PreparingRebalance:
          this.#scheduleMemberTimer(member, member.sessionTimeoutMs);
          return E.REBALANCE_IN_PROGRESS;
        default:
          // CompletingRebalance: clients may heartbeat between their JoinGroup and SyncGroup.
          this.#scheduleMemberTimer(member, member.sessionTimeoutMs);
          return E.NONE;
      }
    });
  }

  leave(members: readonly LeaveMemberInput[]): LeaveGroupResult {
    return this.#run(() => {
      if (this.#state === GroupState.Dead) return { errorCode: E.COORDINATOR_NOT_AVAILABLE, members: [] };
      const results = members.map((lm) => {
        let errorCode: number = E.NONE;
        if (lm.memberId === '') {
          // Administrative removal by group.instance.id.
          const id = lm.groupInstanceId === null ? undefined : this.#staticMembers.get(lm.groupInstanceId);
          const member = id === undefined ? undefined : this.#members.get(id);
          if (member === undefined) errorCode = E.UNKNOWN_MEMBER_ID;
          else this.#removeMemberAndUpdateGroup(member);
        } else if (this.#pendingMembers.has(lm.memberId)) {
          this.#removePendingMember(lm.memberId);
        } else {
          errorCode = this.#validateCurrentMember(lm.memberId, lm.groupInstanceId);
          if (errorCode === E.NONE) this.#removeMemberAndUpdateGroup(this.#members.get(lm.memberId)!);
        }
        return { memberId: lm.memberId, groupInstanceId: lm.groupInstanceId, errorCode };
      });
      return { errorCode: E.NONE, members: results };
    });
  }

  /**
   * The error for an OffsetCommit from (memberId, generationId, groupInstanceId), NONE to accept
   * (Kafka's validateOffsetCommit + doCommitOffsets). A valid commit counts as a heartbeat.
   */
  validateOffsetCommit(memberId: string, generationId: number, groupInstanceId: string | null): number {
    return this.#run(() => {
      if (this.#state === GroupState.Dead) return E.COORDINATOR_NOT_AVAILABLE;
      if (generationId < 0 && this.#state === GroupState.Empty) return E.NONE; // admin / standalone commit
      if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
        const error = this.#validateCurrentMember(memberId, groupInstanceId);
        if (error !== E.NONE) return error;
        if (generationId !== this.#generationId) return E.ILLEGAL_GENERATION;
      } else if (this.#state !== GroupState.Empty) {
        return E.UNKNOWN_MEMBER_ID; // only members may commit to a group that has members
      }
      switch (this.#state) {
        case GroupState.CompletingRebalance:
          return E.REBALANCE_IN_PROGRESS;
        case GroupState.Stable:
        case GroupState.PreparingRebalance: {
          const member = this.#members.get(memberId);
          if (member !== undefined) this.#scheduleMemberTimer(member, member.sessionTimeoutMs);
          return E.NONE;
        }
        default:
          return E.NONE;
      }
    });
  }

  /** Marks an Empty group Dead (DeleteGroups). Returns false when the group has members. */
  delete(): boolean {
    if (this.#members.size > 0 || (this.#state !== GroupState.Empty && this.#state !== GroupState.Dead)) return false;
    this.#shutdown(E.COORDINATOR_NOT_AVAILABLE);
    return true;
  }

  /** Coordinator shutdown: every waiting request gets `errorCode`, every timer is cleared; Dead. */
  shutdown(errorCode: number = E.NOT_COORDINATOR): void {
    this.#shutdown(errorCode);
  }

  // ---------------------------------------------------------------- join internals

  #acceptJoiningMember(memberId: string): boolean {
    const max = this.#opts.maxGroupSize;
    switch (this.#state) {
      case GroupState.Empty:
      case GroupState.Dead:
        return true;
      case GroupState.PreparingRebalance:
        return (this.#members.get(memberId)?.joinWaiter != null) || this.#numAwaitingJoin < max;
      default:
        return this.#members.has(memberId) || this.#members.size < max;
    }
  }

  #newMemberJoin(input: JoinGroupInput, respond: JoinResponder): void {
    if (!this.#supportsProtocols(input.protocolType, input.protocols)) {
      return respond(joinError('', E.INCONSISTENT_GROUP_PROTOCOL));
    }
    const generate = this.#opts.generateMemberId ?? ((prefix: string) => `${prefix}-${randomUUID()}`);
    const newMemberId = generate(input.groupInstanceId ?? input.clientId);
    if (input.groupInstanceId !== null) {
      const oldMemberId = this.#staticMembers.get(input.groupInstanceId);
      if (oldMemberId !== undefined) this.#updateStaticMemberAndRebalance(oldMemberId, newMemberId, input, respond);
      else this.#addMemberAndRebalance(newMemberId, input, respond);
    } else if (input.requireKnownMemberId) {
      this.#addPendingMember(newMemberId, input.sessionTimeoutMs);
      respond(joinError(newMemberId, E.MEMBER_ID_REQUIRED));
    } else {
      this.#addMemberAndRebalance(newMemberId, input, respond);
    }
  }

  #currentMemberJoin(input: JoinGroupInput, respond: JoinResponder): void {
    const memberId = input.memberId;
    if (!this.#supportsProtocols(input.protocolType, input.protocols)) {
      return respond(joinError(memberId, E.INCONSISTENT_GROUP_PROTOCOL));
    }
    if (this.#pendingMembers.has(memberId)) {
      // Pending ids are only handed to dynamic members; a static id here is a confused client.
      if (input.groupInstanceId !== null) return respond(joinError(memberId, E.UNKNOWN_MEMBER_ID));
      return this.#addMemberAndRebalance(memberId, input, respond);
    }
    const error = this.#validateCurrentMember(memberId, input.groupInstanceId);
    if (error !== E.NONE) return respond(joinError(memberId, error));
    const member = this.#members.get(memberId)!;
    switch (this.#state) {
      case GroupState.PreparingRebalance:
        return this.#updateMemberAndRebalance(member, input, respond);
      case GroupState.CompletingRebalance:
        // Same metadata: the member lost our JoinGroup response; answer it again.
        if (member.matches(input.protocols)) return respond(this.#joinResult(member, this.#leaderId));
        return this.#updateMemberAndRebalance(member, input, respond);
      case GroupState.Stable:
        // The leader's JoinGroup always rebalances (it may have seen topic metadata change); so
        // does a member whose metadata changed (with cooperative-sticky, its owned partitions).
        if (this.#leaderId === memberId || !member.matches(input.protocols)) {
          return this.#updateMemberAndRebalance(member, input, respond);
        }
        return respond(this.#joinResult(member, this.#leaderId));
      default:
        return respond(joinError(memberId, E.UNKNOWN_MEMBER_ID));
    }
  }

  #addMemberAndRebalance(memberId: string, input: JoinGroupInput, respond: JoinResponder): void {
    const member = new Member(
      memberId,
      input.groupInstanceId,
      input.clientId,
      input.clientHost,
      input.rebalanceTimeoutMs,
      input.sessionTimeoutMs,
      input.protocolType,
      copyProtocols(input.protocols),
    );
    member.isNew = true;
    if (this.#state === GroupState.PreparingRebalance && this.#generationId === 0) this.#newMemberAdded = true;
    this.#add(member, respond);
    this.#scheduleMemberTimer(member, this.#opts.newMemberJoinTimeoutMs);
    this.#maybePrepareRebalance();
  }

  #updateMemberAndRebalance(member: Member, input: JoinGroupInput, respond: JoinResponder): void {
    this.#updateMember(member, input.protocols, input.rebalanceTimeoutMs, input.sessionTimeoutMs, respond);
    this.#maybePrepareRebalance();
  }

  /** KIP-345: a known group.instance.id rejoining with an unknown member id takes over its entry. */
  #updateStaticMemberAndRebalance(
    oldMemberId: string,
    newMemberId: string,
    input: JoinGroupInput,
    respond: JoinResponder,
  ): void {
    const currentLeader = this.#leaderId;
    const member = this.#members.get(oldMemberId)!;
    // Fence whatever the previous incarnation is still waiting for.
    this.#answerJoin(member, joinError(oldMemberId, E.FENCED_INSTANCE_ID));
    this.#answerSync(member, syncError(E.FENCED_INSTANCE_ID));
    this.#members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.#members.set(newMemberId, member);
    if (this.#leaderId === oldMemberId) this.#leaderId = newMemberId;
    this.#staticMembers.set(member.groupInstanceId!, newMemberId);
    if (this.#pendingSyncMembers.delete(oldMemberId)) this.#pendingSyncMembers.add(newMemberId);

    this.#updateMember(member, input.protocols, input.rebalanceTimeoutMs, input.sessionTimeoutMs, respond);
    this.#scheduleMemberTimer(member, member.sessionTimeoutMs);

    switch (this.#state) {
      case GroupState.Stable:
        if (this.#selectProtocol() === this.#protocolName) {
          // No rebalance: the member keeps its assignment and the generation does not move.
          if (input.supportSkippingAssignment === true) {
            const isLeader = this.#leaderId === newMemberId;
            this.#answerJoin(member, { ...this.#joinResult(member, this.#leaderId), skipAssignment: isLeader });
          } else {
            // Pre-v9: report the old leader id so a restarted static leader does not run a
            // (wasted) assignment that a Stable group would never broadcast.
            this.#answerJoin(member, { ...this.#joinResult(member, currentLeader), members: [] });
          }
        } else {
          this.#maybePrepareRebalance();
        }
        return;
      case GroupState.CompletingRebalance:
        // The leader may be assigning with the old member id: start over.
        this.#prepareRebalance();
        return;
      default:
        return; // PreparingRebalance: the member now simply awaits the join like everyone else.
    }
  }

  #add(member: Member, respond: JoinResponder): void {
    if (member.groupInstanceId !== null) this.#staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.#members.size === 0) this.#protocolType = member.protocolType;
    if (this.#leaderId === null) this.#leaderId = member.memberId;
    this.#members.set(member.memberId, member);
    this.#incSupportedProtocols(member);
    member.joinWaiter = respond;
    this.#numAwaitingJoin++;
    const pending = this.#pendingMembers.get(member.memberId);
    if (pending !== undefined) {
      this.#clock.clearTimeout(pending);
      this.#pendingMembers.delete(member.memberId);
    }
  }

  #updateMember(
    member: Member,
    protocols: readonly GroupProtocol[],
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
    respond: JoinResponder,
  ): void {
    this.#decSupportedProtocols(member);
    member.protocols = copyProtocols(protocols);
    this.#incSupportedProtocols(member);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (member.joinWaiter !== null) {
      // A retried JoinGroup supersedes the earlier one, which is told to rejoin.
      member.joinWaiter(joinError(member.memberId, E.REBALANCE_IN_PROGRESS));
    } else {
      this.#numAwaitingJoin++;
    }
    member.joinWaiter = respond;
  }

  #addPendingMember(memberId: string, sessionTimeoutMs: number): void {
    while (this.#pendingMembers.size >= Math.max(1, this.#opts.maxPendingMembers)) {
      // Bound memory under a JoinGroup flood: forget the oldest pending id (it will get
      // UNKNOWN_MEMBER_ID if it ever comes back, and start over).
      const oldest = this.#pendingMembers.keys().next().value as string;
      this.#clock.clearTimeout(this.#pendingMembers.get(oldest)!);
      this.#pendingMembers.delete(oldest);
    }
    const timer = this.#clock.setTimeout(() => this.#run(() => this.#removePendingMember(memberId)), sessionTimeoutMs);
    this.#pendingMembers.set(memberId, timer);
  }

  #removePendingMember(memberId: string): void {
    const timer = this.#pendingMembers.get(memberId);
    if (timer === undefined) return;
    this.#clock.clearTimeout(timer);
    this.#pendingMembers.delete(memberId);
    if (this.#state === GroupState.PreparingRebalance) this.#tryCompleteJoin();
  }

  #maybePrepareRebalance(): void {
    const s = this.#state;
    if (s === GroupState.Stable || s === GroupState.CompletingRebalance || s === GroupState.Empty) this.#prepareRebalance();
  }

  #prepareRebalance(): void {
    if (this.#state === GroupState.CompletingRebalance) {
      // Members waiting in SyncGroup must rejoin.
      for (const m of this.#members.values()) m.assignment = EMPTY;
      this.#propagateAssignment(E.REBALANCE_IN_PROGRESS);
    }
    this.#clearSyncExpiration();
    this.#clearJoinTimer();
    const fromEmpty = this.#state === GroupState.Empty;
    this.#transitionTo(GroupState.PreparingRebalance);
    if (fromEmpty) {
      const delay = this.#opts.initialRebalanceDelayMs;
      this.#scheduleInitialJoin(delay, Math.max(this.#rebalanceTimeoutMs() - delay, 0));
    } else {
      this.#scheduleRebalanceJoin();
      this.#tryCompleteJoin();
    }
  }

  #scheduleInitialJoin(delayMs: number, remainingMs: number): void {
    const handle = this.#clock.setTimeout(
      () =>
        this.#run(() => {
          this.#joinTimer = null;
          if (this.#newMemberAdded && remainingMs !== 0) {
            // Joiners keep arriving: wait a little longer, never beyond the rebalance timeout.
            this.#newMemberAdded = false;
            this.#scheduleInitialJoin(Math.min(this.#opts.initialRebalanceDelayMs, remainingMs), Math.max(remainingMs - delayMs, 0));
          } else {
            this.#completeJoin();
          }
        }),
      delayMs,
    );
    this.#joinTimer = { kind: 'initial', handle };
  }

  #scheduleRebalanceJoin(): void {
    const handle = this.#clock.setTimeout(
      () =>
        this.#run(() => {
          this.#joinTimer = null;
          this.#completeJoin();
        }),
      this.#rebalanceTimeoutMs(),
    );
    this.#joinTimer = { kind: 'rebalance', handle };
  }

  /** Completes the join phase early once everyone is in (never during the initial delay). */
  #tryCompleteJoin(): void {
    if (this.#joinTimer?.kind !== 'rebalance') return;
    if (this.#numAwaitingJoin === this.#members.size && this.#pendingMembers.size === 0) {
      this.#clearJoinTimer();
      this.#completeJoin();
    }
  }

  #completeJoin(): void {
    if (this.#state !== GroupState.PreparingRebalance) return;
    // Dynamic members that did not rejoin in time are dropped; static ones stay until their session expires.
    for (const m of [...this.#members.values()]) {
      if (m.joinWaiter === null && m.groupInstanceId === null) this.#removeMember(m.memberId, E.UNKNOWN_MEMBER_ID);
    }
    if (!this.#electJoinedLeader() && this.#members.size > 0) {
      // Only static members that have not rejoined are left: keep waiting.
      this.#scheduleRebalanceJoin();
      this.#tryCompleteJoin();
      return;
    }
    this.#generationId++;
    this.#pendingSyncMembers.clear();
    if (this.#members.size === 0) {
      this.#protocolName = null;
      this.#transitionTo(GroupState.Empty);
      return;
    }
    this.#protocolName = this.#selectProtocol();
    this.#transitionTo(GroupState.CompletingRebalance);
    for (const m of this.#members.values()) {
      this.#answerJoin(m, this.#joinResult(m, this.#leaderId));
      this.#scheduleMemberTimer(m, m.sessionTimeoutMs);
      m.isNew = false;
      this.#pendingSyncMembers.add(m.memberId);
    }
    const generation = this.#generationId;
    this.#syncTimer = this.#clock.setTimeout(() => this.#run(() => this.#expirePendingSync(generation)), this.#rebalanceTimeoutMs());
  }

  /** Keeps the leader if it rejoined, else promotes any member that did. False if none did. */
  #electJoinedLeader(): boolean {
    if (this.#leaderId === null) return false;
    if (this.#members.get(this.#leaderId)?.joinWaiter != null) return true;
    for (const m of this.#members.values()) {
      if (m.joinWaiter !== null) {
        this.#leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  #joinResult(member: Member, leader: string | null): JoinGroupResult {
    const isLeader = this.#leaderId === member.memberId;
    const members: JoinGroupMember[] = isLeader
      ? [...this.#members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          metadata: m.metadataFor(this.#protocolName),
        }))
      : [];
    return {
      errorCode: E.NONE,
      generationId: this.#generationId,
      protocolType: this.#protocolType,
      protocolName: this.#protocolName,
      leader: leader ?? '',
      skipAssignment: false,
      memberId: member.memberId,
      members,
    };
  }

  // ---------------------------------------------------------------- sync internals

  #removePendingSync(memberId: string): void {
    this.#pendingSyncMembers.delete(memberId);
    if (this.#pendingSyncMembers.size === 0 && this.#syncTimer !== null) {
      this.#clock.clearTimeout(this.#syncTimer);
      this.#syncTimer = null;
    }
  }

  #clearSyncExpiration(): void {
    this.#pendingSyncMembers.clear();
    if (this.#syncTimer !== null) {
      this.#clock.clearTimeout(this.#syncTimer);
      this.#syncTimer = null;
    }
  }

  #expirePendingSync(generation: number): void {
    this.#syncTimer = null;
    if (generation !== this.#generationId) return;
    if (this.#state !== GroupState.CompletingRebalance && this.#state !== GroupState.Stable) return;
    if (this.#pendingSyncMembers.size === 0) return;
    for (const id of [...this.#pendingSyncMembers]) this.#removeMember(id, E.UNKNOWN_MEMBER_ID);
    this.#prepareRebalance();
  }

  /** Answers every member waiting in SyncGroup with its assignment (or the error). */
  #propagateAssignment(errorCode: number): void {
    for (const m of this.#members.values()) {
      if (m.syncWaiter === null) continue;
      const result: SyncGroupResult =
        errorCode === E.NONE
          ? { errorCode, protocolType: this.#protocolType, protocolName: this.#protocolName, assignment: m.assignment }
          : syncError(errorCode);
      this.#answerSync(m, result);
      // The member was exempt from its session timeout while it waited: restart it now.
      this.#scheduleMemberTimer(m, m.sessionTimeoutMs);
    }
  }

  // ---------------------------------------------------------------- members

  #validateCurrentMember(memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const current = this.#staticMembers.get(groupInstanceId);
      if (current === undefined) return E.UNKNOWN_MEMBER_ID;
      if (current !== memberId) return E.FENCED_INSTANCE_ID;
    }
    return this.#members.has(memberId) ? E.NONE : E.UNKNOWN_MEMBER_ID;
  }

  /** Removes a member (or pending member id), answering whatever it waits for with `errorCode`. */
  #removeMember(memberId: string, errorCode: number): void {
    const member = this.#members.get(memberId);
    if (member !== undefined) {
      this.#answerJoin(member, joinError('', errorCode));
      this.#answerSync(member, syncError(errorCode));
      if (member.timer !== null) this.#clock.clearTimeout(member.timer);
      member.timer = null;
      this.#decSupportedProtocols(member);
      this.#members.delete(memberId);
      if (member.groupInstanceId !== null && this.#staticMembers.get(member.groupInstanceId) === memberId) {
        this.#staticMembers.delete(member.groupInstanceId);
      }
      if (this.#leaderId === memberId) this.#leaderId = this.#members.keys().next().value ?? null;
    }
    const pending = this.#pendingMembers.get(memberId);
    if (pending !== undefined) {
      this.#clock.clearTimeout(pending);
      this.#pendingMembers.delete(memberId);
    }
    this.#pendingSyncMembers.delete(memberId);
  }

  /** LeaveGroup and session expiry: remove, then rebalance (or finish the one in progress). */
  #removeMemberAndUpdateGroup(member: Member): void {
    this.#removeMember(member.memberId, E.UNKNOWN_MEMBER_ID);
    switch (this.#state) {
      case GroupState.Stable:
      case GroupState.CompletingRebalance:
        this.#maybePrepareRebalance();
        return;
      case GroupState.PreparingRebalance:
        this.#tryCompleteJoin();
        return;
      default:
        return;
    }
  }

  #scheduleMemberTimer(member: Member, ms: number): void {
    if (member.timer !== null) this.#clock.clearTimeout(member.timer);
    member.timer = this.#clock.setTimeout(() => this.#run(() => this.#expireMember(member)), ms);
  }

  #expireMember(member: Member): void {
    member.timer = null;
    if (this.#members.get(member.memberId) !== member || this.#state === GroupState.Dead) return;
    // Waiting in JoinGroup/SyncGroup counts as alive (the rebalance deadlines cover it), except for a
    // new member whose first JoinGroup has waited too long.
    if (!member.isNew && (member.joinWaiter !== null || member.syncWaiter !== null)) return;
    this.#removeMemberAndUpdateGroup(member);
  }

  #answerJoin(member: Member, result: JoinGroupResult): void {
    const waiter = member.joinWaiter;
    if (waiter === null) return;
    member.joinWaiter = null;
    this.#numAwaitingJoin--;
    waiter(result);
  }

  #answerSync(member: Member, result: SyncGroupResult): void {
    const waiter = member.syncWaiter;
    if (waiter === null) return;
    member.syncWaiter = null;
    waiter(result);
  }

  // ---------------------------------------------------------------- protocols

  #supportsProtocols(protocolType: string, protocols: readonly GroupProtocol[]): boolean {
    if (this.#state === GroupState.Empty) return protocolType !== '' && protocols.length > 0;
    const n = this.#members.size;
    return this.#protocolType === protocolType && protocols.some((p) => (this.#supportedProtocols.get(p.name) ?? 0) === n);
  }

  #incSupportedProtocols(member: Member): void {
    for (const p of member.protocols) this.#supportedProtocols.set(p.name, (this.#supportedProtocols.get(p.name) ?? 0) + 1);
  }

  #decSupportedProtocols(member: Member): void {
    for (const p of member.protocols) {
      const n = (this.#supportedProtocols.get(p.name) ?? 0) - 1;
      if (n <= 0) this.#supportedProtocols.delete(p.name);
      else this.#supportedProtocols.set(p.name, n);
    }
  }

  /**
   * The protocol every member supports with the most first-choice votes (Kafka's selectProtocol).
   * Kafka breaks ties by hash order; we break them by the leader's preference, for determinism.
   */
  #selectProtocol(): string | null {
    const n = this.#members.size;
    if (n === 0) return null;
    const candidates = new Set<string>();
    for (const [name, count] of this.#supportedProtocols) if (count === n) candidates.add(name);
    const votes = new Map<string, number>();
    for (const m of this.#members.values()) {
      const v = m.vote(candidates);
      if (v !== undefined) votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    const leader = this.#leaderId === null ? undefined : this.#members.get(this.#leaderId);
    const rank = (name: string): number => {
      const i = leader?.protocols.findIndex((p) => p.name === name) ?? -1;
      return i < 0 ? Number.MAX_SAFE_INTEGER : i;
    };
    let best: string | null = null;
    let bestVotes = -1;
    for (const [name, count] of votes) {
      if (count > bestVotes || (count === bestVotes && best !== null && rank(name) < rank(best))) {
        best = name;
        bestVotes = count;
      }
    }
    return best;
  }

  #rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.#members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  // ---------------------------------------------------------------- lifecycle

  #transitionTo(state: GroupStateName): void {
    this.#state = state;
    this.#stateTimestamp = this.#clock.now();
  }

  #clearJoinTimer(): void {
    if (this.#joinTimer !== null) {
      this.#clock.clearTimeout(this.#joinTimer.handle);
      this.#joinTimer = null;
    }
  }

  /** Runs an entry point or timer callback, then re-evaluates whether the group is idle. */
  #run<T>(fn: () => T): T {
    try {
      return fn();
    } finally {
      this.#checkIdle();
    }
  }

  #checkIdle(): void {
    if (this.#state === GroupState.Dead) return;
    const idle = this.#state === GroupState.Empty && this.#pendingMembers.size === 0;
    if (idle && this.#idleTimer === null) {
      this.#idleTimer = this.#clock.setTimeout(() => {
        this.#idleTimer = null;
        if (this.#state === GroupState.Empty && this.#pendingMembers.size === 0) {
          this.#shutdown(E.COORDINATOR_NOT_AVAILABLE);
          this.#opts.onExpired?.(this);
        } else {
          this.#checkIdle();
        }
      }, this.#opts.emptyGroupRetentionMs);
    } else if (!idle && this.#idleTimer !== null) {
      this.#clock.clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
    }
  }

  #shutdown(errorCode: number): void {
    this.#clearJoinTimer();
    this.#clearSyncExpiration();
    if (this.#idleTimer !== null) this.#clock.clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    for (const timer of this.#pendingMembers.values()) this.#clock.clearTimeout(timer);
    this.#pendingMembers.clear();
    this.#transitionTo(GroupState.Dead);
    for (const m of this.#members.values()) {
      if (m.timer !== null) this.#clock.clearTimeout(m.timer);
      m.timer = null;
      this.#answerJoin(m, joinError(m.memberId, errorCode));
      this.#answerSync(m, syncError(errorCode));
    }
  }
}
