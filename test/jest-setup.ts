// Tests create AWS SDK clients in process; on Node 20 each would print the SDK's notice about
// its 2027 releases, burying test output. The CLI sets the same variable (bin/batchkit.js).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// The engine runs jobs as containers when a container runtime answers; the suites written for host
// processes (host paths, host tools) pin host processes, and the container suites ask for
// `launcher: 'container'` themselves. Child processes (the CLI, crashing engines) inherit it.
process.env.BATCHKIT_LAUNCHER ??= 'process';
