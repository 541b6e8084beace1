/**
 * A proxy in front of the local server that black-holes chosen operations: it keeps the
 * connection open and never answers, either without forwarding the request (it never reached
 * Batch) or after forwarding it (Batch acted, the answer is lost). It can also hide the next
 * ListJobs answers' jobs, as an eventually consistent listing would just after a SubmitJob.
 * What it holds is released (the sockets destroyed) on `close`.
 */
import * as http from 'http';
import { AddressInfo, Socket } from 'net';
import { forward } from '../runtime/workflow/faulty-proxy';

/** Where a black-holed request stops. */
export type BlackHole = 'before-forwarding' | 'after-forwarding';

/** A running proxy; its rules can change while it runs. */
export interface BlackHoleProxy {
  readonly url: string;
  /**
   * Operation path (e.g. `/v1/submitjob`) → how many of its next requests pass first (`skip`),
   * how many vanish after those (`count`), and where.
   */
  readonly holes: Map<string, { skip?: number; count: number; where: BlackHole }>;
  /** ListJobs answers still to come back with no jobs listed. */
  hideListedJobs: number;
  /** Every request seen: its path, when it arrived, and whether it was black-holed. */
  readonly requests: Array<{ path: string; at: number; held: boolean }>;
  close(): Promise<void>;
}

/** Starts a proxy to `target` on a free port. */
export async function startBlackHoleProxy(target: string): Promise<BlackHoleProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: BlackHoleProxy = {
    url: '',
    holes: new Map(),
    hideListedJobs: 0,
    requests: [],
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
  const server = http.createServer((req, res) => {
    const route = (req.url ?? '').split('?')[0];
    const hole = proxy.holes.get(route);
    const passing = hole?.skip !== undefined && hole.skip > 0;
    if (hole && passing) hole.skip!--;
    const held = hole !== undefined && !passing && hole.count > 0;
    if (hole && held) hole.count--;
    proxy.requests.push({ path: route, at: Date.now(), held });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (held && hole!.where === 'before-forwarding') return;
      forward(upstream, req, Buffer.concat(chunks), (status, headers, body) => {
        if (held) return;
        if (route === '/v1/listjobs' && proxy.hideListedJobs > 0 && status === 200) {
          proxy.hideListedJobs--;
          const hidden = Buffer.from(JSON.stringify({ jobSummaryList: [] }));
          res.writeHead(status, { ...headers, 'content-length': String(hidden.length) });
          res.end(hidden);
          return;
        }
        res.writeHead(status, headers);
        res.end(body);
      }, () => req.socket.destroy());
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(proxy, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}
