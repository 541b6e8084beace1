/**
 * An HTTP proxy in front of the local server that misbehaves like a congested AWS endpoint:
 * it answers some requests with 429 or 500 without forwarding them, answers others with 500
 * or drops the connection *after* forwarding them (the request took effect, the caller
 * cannot know), and drops some before forwarding. Deterministic: the fault depends on the
 * request's sequence number only.
 */
import * as http from 'http';
import { AddressInfo } from 'net';

/** What the proxy does to one request. */
export type Fault = 'pass' | 'throttle' | 'error-before' | 'error-after' | 'drop-before' | 'drop-after';

/** The default cycle: 6 of every 14 requests go wrong in some way. */
export const FAULT_CYCLE: readonly Fault[] = [
  'pass', 'throttle', 'pass', 'error-after', 'pass', 'drop-before', 'pass',
  'drop-after', 'pass', 'throttle', 'pass', 'error-before', 'pass', 'pass',
];

/** A running proxy and what it did. */
export interface FaultyProxy {
  readonly url: string;
  /** Faults per operation path, e.g. `{ '/v1/submitjob': { 'drop-after': 3 } }`. */
  readonly faults: Record<string, Partial<Record<Fault, number>>>;
  close(): Promise<void>;
}

/** Starts a proxy to `target` on a free port. */
export async function startFaultyProxy(target: string, cycle: readonly Fault[] = FAULT_CYCLE): Promise<FaultyProxy> {
  const upstream = new URL(target);
  const faults: FaultyProxy['faults'] = {};
  let sequence = 0;
  const server = http.createServer((req, res) => {
    const fault = cycle[sequence++ % cycle.length];
    const route = (req.url ?? '').split('?')[0];
    faults[route] = { ...faults[route], [fault]: (faults[route]?.[fault] ?? 0) + 1 };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (fault === 'throttle') {
        answer(res, 429, 'TooManyRequestsException', 'Too Many Requests');
      } else if (fault === 'error-before') {
        answer(res, 500, 'ServerException', 'injected before forwarding');
      } else if (fault === 'drop-before') {
        req.socket.destroy();
      } else {
        forward(upstream, req, Buffer.concat(chunks), (status, headers, body) => {
          if (fault === 'error-after') {
            answer(res, 500, 'ServerException', 'injected after forwarding');
          } else if (fault === 'drop-after') {
            req.socket.destroy();
          } else {
            res.writeHead(status, headers);
            res.end(body);
          }
        }, () => req.socket.destroy());
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    faults,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Answers with an AWS-shaped error, as a throttling or failing front end would. */
export function answer(res: http.ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ __type: type, message }));
}

/** Forwards a request to the upstream server and hands back its whole response. */
export function forward(upstream: URL, req: http.IncomingMessage, body: Buffer,
  done: (status: number, headers: http.IncomingHttpHeaders, body: Buffer) => void, failed: () => void): void {
  const outgoing = http.request({
    host: upstream.hostname, port: upstream.port, method: req.method, path: req.url,
    headers: { ...req.headers, host: upstream.host, 'content-length': String(body.length) },
  }, (response) => {
    const chunks: Buffer[] = [];
    response.on('data', (c: Buffer) => chunks.push(c));
    response.on('end', () => done(response.statusCode ?? 502, response.headers, Buffer.concat(chunks)));
  });
  outgoing.on('error', failed);
  outgoing.end(body);
}
