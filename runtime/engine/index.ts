/**
 * The local engine's public API: `LocalBatchEngine` (AWS Batch in process), its options, the
 * injectable clock and process launchers, and the status reasons it writes. See docs/local-engine.md.
 */
export { LocalBatchEngine, HOST_TERMINATED_REASON } from './engine';
export { EngineConfigurationError } from './errors';
export type { LocalEngineOptions } from './engine';
export { ManualClock, systemClock } from './clock';
export type { EngineClock, CancelTimer } from './clock';
export { HostProcessLauncher } from './launcher';
export type { LaunchRequest, LaunchedProcess, ProcessExit, ProcessLauncher } from './launcher';
export { HelperLauncher } from './helper-launcher';
export { ContainerLauncher } from './container-launcher';
export type { ContainerLauncherOptions } from './container-launcher';
export type { ContainerCli, ContainerCliSearch } from './container-cli';
export type { ContainerLaunchSpec } from './container-spec';
export type { LauncherKind } from './engine-options';
export { PROCESS_HELPER_CHOICES, hostLauncher, hostLauncherPlan, planHostLauncher } from './host-launcher';
export type { HostLauncherPlan, LauncherNotice } from './host-launcher';
export { buildNativeHelper, helperCacheDir } from './native-helper';
export type { NativeHelperBuild } from './native-helper';
export { JOB_RESOURCE_REASON, MAX_RESOURCE_REASON } from './scheduler';
export type { HostCapacity } from './scheduler';
export { CONTAINER_EXITED_REASON, TIMEOUT_REASON, START_FAILED_REASON } from './attempt-runner';
export { ARRAY_CHILD_FAILED_REASON, dependencyFailedReason } from './job-graph';
export { timeLimitCancelReason } from './queue-block-watch';
