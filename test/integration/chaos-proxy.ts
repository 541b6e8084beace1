/**
 * An HTTP proxy between the runtime and the local server that fails at rates the test sets:
 * 429 throttling and 500 errors (before forwarding, or after the server acted on the request),
 * TCP resets (before or after forwarding), and added latency. Choices come from a seeded
 * generator, so a run replays. Unlike the cycle-driven proxy of the workflow tests, rates and
 * latency are parameters, and resets are real RSTs (`resetAndDestroy`), not orderly closes.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { seededRandom } from './seeded-random';
import { answer, forward } from '../runtime/workflow/faulty-proxy';

/** What the proxy may do to a request, besides passing it through. */
export type ChaosFault = 'throttle' | 'error-before' | 'error-after' | 'reset-before' | 'reset-after';

/** Rates and latency of the faults. */
export interface ChaosOptions {
  /** Seed of the generator that picks faults and delays. */
  readonly seed: number;
  /** Probability of each fault per request; the rest pass. Their sum must stay below 1. */
  readonly rates: Readonly<Record<ChaosFault, number>>;
  /** Probability that a request is delayed before it is handled. */
  readonly latencyRate: number;
  /** Largest delay added, in milliseconds (uniform from 1). */
  readonly maxLatencyMs: number;
}

/** A running proxy and the faults it injected, per request path. */
export interface ChaosProxy {
  readonly url: string;
  /** Requests per path and outcome (`pass` or a fault), e.g. `{ '/v1/submitjob': { 'reset-after': 3 } }`. */
  readonly outcomes: Record<string, Partial<Record<ChaosFault | 'pass', number>>>;
  /** Requests delayed. */
  readonly delayed: number;
  close(): Promise<void>;
}

/** Starts a proxy to `target` on a free port. */
export async function startChaosProxy(target: string, options: ChaosOptions): Promise<ChaosProxy> {
  const total = Object.values(options.rates).reduce((sum, rate) => sum + rate, 0);
  if (total >= 1) {
    throw new Error(`chaos proxy fault rates must add up to less than 1; got ${total}`);
  }
  const random = seededRandom(options.seed);
  const upstream = new URL(target);
  const outcomes: ChaosProxy['outcomes'] = {};
  const sockets = new Set<import('net').Socket>();
  let delayed = 0;
  const pickFault = (): ChaosFault | 'pass' => {
    let draw = random.next();
    for (const [fault, rate] of Object.entries(options.rates) as Array<[ChaosFault, number]>) {
      if (draw < rate) return fault;
      draw -= rate;
    }
    return 'pass';
  };
  const server = http.createServer((req, res) => {
    const fault = pickFault();
    const delayMs = random.next() < options.latencyRate ? random.int(1, options.maxLatencyMs) : 0;
    const route = (req.url ?? '').split('?')[0];
    outcomes[route] = { ...outcomes[route], [fault]: (outcomes[route]?.[fault] ?? 0) + 1 };
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (delayMs > 0) delayed++;
      setTimeout(() => handle(fault, upstream, req, res, Buffer.concat(chunks)), delayMs);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    outcomes,
    get delayed() { return delayed; },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

function handle(fault: ChaosFault | 'pass', upstream: URL, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  if (fault === 'throttle') {
    answer(res, 429, 'TooManyRequestsException', 'Rate exceeded');
  } else if (fault === 'error-before') {
    answer(res, 500, 'ServerException', 'injected before forwarding');
  } else if (fault === 'reset-before') {
    req.socket.resetAndDestroy();
  } else {
    forward(upstream, req, body, (status, headers, responseBody) => {
      if (fault === 'error-after') {
        answer(res, 500, 'ServerException', 'injected after forwarding');
      } else if (fault === 'reset-after') {
        req.socket.resetAndDestroy();
      } else {
        res.writeHead(status, headers);
        res.end(responseBody);
      }
    }, () => req.socket.resetAndDestroy());
  }
}
