import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BigQueryApiError, errorBody } from '../errors.js';
import type { FaultAction, FaultInjector } from '../faults.js';
import type { Router } from './router.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function send(res: ServerResponse, status: number, body: unknown): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(json),
  });
  res.end(json);
}

/**
 * With `BIGQUERY_EMULATOR_HOST=http://host:port` the client uses that URL as its API base without
 * `/bigquery/v2` (and uploads under it); both spellings reach the same routes.
 */
function canonicalPath(path: string): string {
  if (path.startsWith('/projects/')) return `/bigquery/v2${path}`;
  if (path.startsWith('/bigquery/v2/upload/')) return path.slice('/bigquery/v2'.length);
  return path;
}

/** Reads and discards a body, so an injected error arrives after the upload as BigQuery's would. */
async function discard(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // drained
  }
}

/**
 * The HTTP front: admin routes under /_emulator answer directly; API routes first get the faults
 * armed for them (delay, error, failed job, lost response), then their handler.
 */
export function createEmulatorServer(api: Router, admin: Router, faults: FaultInjector): Server {
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, 500, errorBody(500, 'backendError', `Emulator error: ${String(error)}`));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    url.pathname = canonicalPath(url.pathname);
    const method = req.method ?? 'GET';
    const isAdmin = url.pathname.startsWith('/_emulator/');
    const actions: FaultAction[] = isAdmin ? [] : faults.take(method, url.pathname);
    for (const action of actions) if (action.kind === 'slow') await sleep(action.delayMs);
    const failure = actions.find((action) => action.kind === 'fail');
    if (failure?.kind === 'fail') {
      await discard(req);
      send(res, failure.status, errorBody(failure.status, failure.reason, failure.message));
      return;
    }
    const route = (isAdmin ? admin : api).match(method, url.pathname);
    let status: number;
    let body: unknown;
    if (route === undefined) {
      await discard(req);
      [status, body] = [
        404,
        errorBody(404, 'notFound', `Not found: ${method} ${url.pathname} is not emulated`),
      ];
    } else {
      try {
        const context = {
          req,
          res,
          params: route.params,
          query: url.searchParams,
          injectJobFailure: actions.find((action) => action.kind === 'failJob')?.failure,
        };
        ({ status, body } = await route.handler(context));
      } catch (error) {
        if (!(error instanceof BigQueryApiError)) throw error;
        if (!req.complete) await discard(req);
        [status, body] = [error.code, error.toBody()];
      }
    }
    if (actions.some((action) => action.kind === 'drop')) {
      // The work is done (a job may exist now) but the client only sees its connection reset.
      req.socket.resetAndDestroy();
      return;
    }
    send(res, status, body);
  }

  return server;
}

export async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}
