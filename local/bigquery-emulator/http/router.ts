import type { IncomingMessage, ServerResponse } from 'node:http';
import { BigQueryApiError, invalid } from '../errors.js';
import type { InjectedJobFailure } from '../faults.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  /** A failJob fault fired for this request: the job it creates must end with backendError. */
  injectJobFailure: InjectedJobFailure | undefined;
}

export interface Reply {
  status: number;
  body?: unknown;
}

export type Handler = (context: RequestContext) => Promise<Reply>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/** A method + path table; `{name}` segments become params (one path segment each). */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, template: string, handler: Handler): this {
    const source = template.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      const match = route.method === method ? route.pattern.exec(path) : null;
      if (match) {
        const params = Object.fromEntries(
          Object.entries(match.groups ?? {}).map(([key, value]) => [key, decodeURIComponent(value)]),
        );
        return { handler: route.handler, params };
      }
    }
    return undefined;
  }
}

const maxJsonBytes = 16 * 1024 * 1024;

/** Reads a JSON request body (small resources only; uploads go through the multipart parser). */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxJsonBytes) throw invalid('Request body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new BigQueryApiError(400, 'parseError', 'Parse Error: the request body is not a JSON object');
  }
}
