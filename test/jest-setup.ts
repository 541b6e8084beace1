// Tests create AWS SDK clients in process; on Node 20 each would print the SDK's notice about
// its 2027 releases, burying test output. The CLI sets the same variable (bin/batchkit.js).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
