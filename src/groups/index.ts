export { type Clock, type TimerHandle, SystemClock, RealClock, ManualClock } from './clock.js';
export { GroupErrorCode } from './errors.js';
export { Group, type GroupOptions, type JoinResponder, type SyncResponder } from './group.js';
export { GroupCoordinator, GROUP_COORDINATOR_DEFAULTS, type GroupCoordinatorOptions } from './group-coordinator.js';
export * from './types.js';
