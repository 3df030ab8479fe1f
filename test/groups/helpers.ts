import { ManualClock } from '../../src/groups/clock.js';
import { GroupCoordinator, type GroupCoordinatorOptions } from '../../src/groups/group-coordinator.js';
import type { GroupOffsetStore, GroupProtocol, JoinGroupInput, JoinGroupResult, SyncGroupResult } from '../../src/groups/types.js';

export class FakeOffsetStore implements GroupOffsetStore {
  readonly groups = new Set<string>();
  readonly deleted: string[] = [];
  failNext = false;

  async deleteGroupOffsets(groupId: string): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('store down');
    }
    this.deleted.push(groupId);
    this.groups.delete(groupId);
  }

  async listOffsetGroups(): Promise<string[]> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('store down');
    }
    return [...this.groups];
  }
}

export interface Harness {
  clock: ManualClock;
  store: FakeOffsetStore;
  coordinator: GroupCoordinator;
}

export function harness(options: Partial<GroupCoordinatorOptions> = {}): Harness {
  const clock = new ManualClock(1_000_000);
  const store = new FakeOffsetStore();
  let n = 0;
  const coordinator = new GroupCoordinator({
    offsets: store,
    clock,
    initialRebalanceDelayMs: 0,
    generateMemberId: (prefix) => `${prefix}-${++n}`,
    ...options,
  });
  return { clock, store, coordinator };
}

export const SESSION_MS = 10_000;
export const REBALANCE_MS = 30_000;

export function protocols(...names: string[]): GroupProtocol[] {
  return names.map((name) => ({ name, metadata: Buffer.from(`meta:${name}`) }));
}

export function joinInput(overrides: Partial<JoinGroupInput> = {}): JoinGroupInput {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: SESSION_MS,
    rebalanceTimeoutMs: REBALANCE_MS,
    protocolType: 'consumer',
    protocols: protocols('range'),
    requireKnownMemberId: true,
    ...overrides,
  };
}

/** True when the promise has settled (after letting pending microtasks and I/O callbacks run). */
export async function isSettled(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setImmediate(r));
  return settled;
}

/** Full KIP-394 round trip: MEMBER_ID_REQUIRED, then the real JoinGroup (returned unresolved). */
export async function joinNew(h: Harness, overrides: Partial<JoinGroupInput> = {}): Promise<{ memberId: string; result: Promise<JoinGroupResult> }> {
  const first = await h.coordinator.join(joinInput(overrides));
  if (first.errorCode !== 79) throw new Error(`expected MEMBER_ID_REQUIRED, got ${first.errorCode}`);
  return { memberId: first.memberId, result: h.coordinator.join(joinInput({ ...overrides, memberId: first.memberId })) };
}

export function sync(
  h: Harness,
  memberId: string,
  generationId: number,
  assignments: { memberId: string; assignment: Buffer }[] = [],
  extra: { groupId?: string; groupInstanceId?: string | null; protocolType?: string | null; protocolName?: string | null } = {},
): Promise<SyncGroupResult> {
  return h.coordinator.sync({
    groupId: extra.groupId ?? 'g',
    generationId,
    memberId,
    groupInstanceId: extra.groupInstanceId ?? null,
    protocolType: extra.protocolType ?? null,
    protocolName: extra.protocolName ?? null,
    assignments,
  });
}

export function heartbeat(h: Harness, memberId: string, generationId: number, groupInstanceId: string | null = null, groupId = 'g'): number {
  return h.coordinator.heartbeat({ groupId, memberId, generationId, groupInstanceId });
}

/**
 * Forms a stable group of two dynamic members A (leader) and B, with A's assignment 'a' and B's 'b'.
 */
export async function stableTwo(h: Harness): Promise<{ a: string; b: string; generation: number }> {
  const a = await joinNew(h);
  h.clock.runDue(); // initial delay 0: the first member completes generation 1 alone
  const ra = await a.result;
  await sync(h, a.memberId, ra.generationId, [{ memberId: a.memberId, assignment: Buffer.from('a') }]);
  const b = await joinNew(h);
  // A learns of the rebalance through its heartbeat and rejoins.
  if (heartbeat(h, a.memberId, ra.generationId) !== 27) throw new Error('expected REBALANCE_IN_PROGRESS');
  const ra2 = h.coordinator.join(joinInput({ memberId: a.memberId }));
  const [j1, j2] = await Promise.all([ra2, b.result]);
  const leaderSync = sync(h, a.memberId, j1.generationId, [
    { memberId: a.memberId, assignment: Buffer.from('a') },
    { memberId: b.memberId, assignment: Buffer.from('b') },
  ]);
  const followerSync = sync(h, b.memberId, j2.generationId);
  await Promise.all([leaderSync, followerSync]);
  return { a: a.memberId, b: b.memberId, generation: j1.generationId };
}
