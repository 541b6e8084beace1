/**
 * The local server's public API: `startBatchServer` puts AWS Batch's rest-json protocol over HTTP
 * in front of any `BatchApi`, and the checks that turn `--allow-origin` / `--allow-host` flags
 * into the entries the server's request guards compare against. See docs/local-server.md.
 */
export { startBatchServer, DEFAULT_MAX_BODY_BYTES } from './server';
export type { BatchServerOptions, RunningBatchServer, SigV4Options } from './server';
export { normalizeAllowedOrigin, parseAllowedHost } from './request-guards';
export type { ServerErrorCode } from './wire-errors';
