/**
 * The local engine's public API: `LocalBatchEngine` (AWS Batch in process), its options, the
 * injectable clock and process launchers, the status reasons it writes, and what the CLI reads of
 * it (the event log reader, a job's resource needs, the container CLI runner). The CLI imports
 * the engine only through this file. See docs/local-engine.md.
 */
export { LocalBatchEngine, HOST_TERMINATED_REASON } from './engine';
export { EngineConfigurationError, type EngineErrorCode } from './errors';
export type { LocalEngineOptions } from './engine';
export { ManualClock, systemClock } from './clock';
export type { EngineClock, CancelTimer } from './clock';
export { HostProcessLauncher } from './launcher';
export type { LaunchRequest, LaunchedProcess, ProcessExit, ProcessLauncher } from './launcher';
export { HelperLauncher } from './helper-launcher';
export { ContainerLauncher } from './container-launcher';
export type { ContainerLauncherOptions } from './container-launcher';
export { runContainerCli } from './container-cli';
export type { ContainerCli, ContainerCliSearch, CliResult } from './container-cli';
export type { ContainerLaunchSpec } from './container-spec';
export { LAUNCHER_KINDS } from './engine-options';
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
export { containerNeeds } from './job-container';
export type { ResourceNeeds } from './job-container';
export { readEventLog } from './event-log';
export type { ReadEventLogOptions } from './event-log';
