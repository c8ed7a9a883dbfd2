import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The Google control plane `dms2bq setup gcp` and `doctor` call — Service Usage, IAM (service
 * accounts, workload identity pools and providers, a service account's IAM policy) and Cloud
 * Resource Manager (the project's IAM policy) — as one HTTP server on port 0, keeping the request
 * and response shapes and the errors of Google's REST references (ADR 0051 quotes each):
 * - errors are `{"error":{"code","message","status","details":[ErrorInfo]}}`; a denied permission
 *   is 403 PERMISSION_DENIED with ErrorInfo reason IAM_PERMISSION_DENIED and metadata.permission
 *   (google/api/error_reason.proto); a call to an API the project has not enabled is 403
 *   PERMISSION_DENIED with reason SERVICE_DISABLED and metadata.service;
 * - creating what exists is 409 ALREADY_EXISTS, reading what does not is 404 NOT_FOUND; a
 *   soft-deleted pool keeps its ID (create is 409) until undeleted;
 * - setIamPolicy with an etag other than the current one is 409 ABORTED;
 * - batchEnable and every pool/provider create, update and undelete return an Operation that is
 *   not done; the change is visible only once a `GET` of the operation reports `done: true` (the
 *   fake finishes it at the first poll), so a client that does not poll fails as it would on Google;
 * - serviceAccounts.create validates accountId (6-30 characters, [a-z]([-a-z0-9]*[a-z0-9]));
 *   batchEnable takes at most 20 services.
 * It serves no principals: requests are not authenticated (the client uses PassThroughClient).
 */
export interface Policy {
  version?: number;
  etag?: string;
  bindings?: { role: string; members: string[] }[];
}
export interface Pool {
  name: string;
  state: 'ACTIVE' | 'DELETED';
  displayName?: string;
}
export interface Provider {
  name: string;
  state: 'ACTIVE' | 'DELETED';
  attributeMapping?: Record<string, string>;
  attributeCondition?: string;
  aws?: { accountId: string };
  oidc?: { issuerUri: string; allowedAudiences?: string[] };
}
interface Operation {
  name: string;
  done: boolean;
  finish: () => Record<string, unknown>;
  response?: Record<string, unknown>;
}

const IAM_SERVICE = 'iam.googleapis.com';
const CRM_SERVICE = 'cloudresourcemanager.googleapis.com';
const ACCOUNT_ID = /^[a-z]([-a-z0-9]*[a-z0-9])$/;

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
    readonly info?: { reason: string; domain: string; metadata: Record<string, string> },
  ) {
    super(message);
  }
}

export class GoogleFake {
  readonly enabled = new Set<string>(['serviceusage.googleapis.com', 'bigquery.googleapis.com']);
  readonly serviceAccounts = new Map<string, { email: string; displayName?: string }>();
  readonly serviceAccountPolicies = new Map<string, Policy>();
  readonly pools = new Map<string, Pool>();
  readonly providers = new Map<string, Provider>();
  projectPolicy: Policy = { version: 1, etag: 'BwYAAAA=', bindings: [] };
  /** Permissions the caller lacks: a call needing one is answered 403 naming it. */
  readonly denied = new Set<string>();
  /** Every request, `METHOD /path`, so a test can tell what a run changed. */
  readonly requests: string[] = [];
  /** Someone else changes the project's policy between the next getIamPolicy and setIamPolicy. */
  concurrentProjectPolicyChanges = 0;
  /**
   * IAM reads are eventually consistent: a service account created moments ago is missing from this
   * many requests naming it (its own get/policy calls 404, a project policy naming it is 400).
   */
  newAccountPropagationRequests = 0;
  private readonly invisible = new Map<string, number>();
  private readonly operations = new Map<string, Operation>();
  private sequence = 0;
  private server?: Server;

  constructor(
    readonly projectId: string,
    readonly projectNumber: string,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.server?.close((e) => (e ? reject(e) : resolve())));
  }

  /** Requests that changed something (everything but reads and operation polls). */
  writes(): string[] {
    return this.requests.filter(
      (line) => !line.startsWith('GET ') && !/:getIamPolicy$/.test(line) && !line.includes('/operations/'),
    );
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    this.requests.push(`${method} ${url.pathname}`);
    let body: Record<string, unknown> = {};
    try {
      const text = await readBody(request);
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      const result = this.route(method, url, body);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(result));
    } catch (error) {
      const e =
        error instanceof HttpError ? error : new HttpError(500, 'INTERNAL', String((error as Error).message));
      response.writeHead(e.code, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: {
            code: e.code,
            message: e.message,
            status: e.status,
            details: e.info ? [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', ...e.info }] : [],
          },
        }),
      );
    }
  }

  private route(method: string, url: URL, body: Record<string, unknown>): unknown {
    const path = decodeURIComponent(url.pathname);
    const project = `/v1/projects/(?:${this.projectId}|${this.projectNumber})`;
    const pools = `${project}/locations/global/workloadIdentityPools`;
    const query = (name: string) => url.searchParams.get(name);
    const routes: [string, RegExp, (m: string[]) => unknown][] = [
      // Operations of every API: Service Usage's `operations/…`, IAM's `…/operations/…`.
      ['GET', /^\/v1\/(.*operations\/[^/]+)$/, (m) => this.poll(m[1] ?? '')],
      ['GET', new RegExp(`^${project}/services/([^/:]+)$`), (m) => this.service(m[1] ?? '', true)],
      ['POST', new RegExp(`^${project}/services:batchEnable$`), () => this.batchEnable(body)],
      [
        '*',
        new RegExp(`^${project}/serviceAccounts(?:/([^/:]+))?(:getIamPolicy|:setIamPolicy)?$`),
        (m) => this.enabledOr(IAM_SERVICE) ?? this.serviceAccount(method, m[1], m[2], body),
      ],
      [
        '*',
        new RegExp(`^${pools}/([^/:]+)/providers(?:/([^/:]+))?(:undelete)?$`),
        (m) =>
          this.enabledOr(IAM_SERVICE) ??
          (m[3]
            ? this.undeleteProvider(m[1] ?? '', m[2] ?? '')
            : this.provider(method, m[1] ?? '', m[2] ?? query('workloadIdentityPoolProviderId'), url, body)),
      ],
      [
        '*',
        new RegExp(`^${pools}(?:/([^/:]+))?(:undelete)?$`),
        (m) =>
          this.enabledOr(IAM_SERVICE) ??
          this.pool(method, m[1] ?? query('workloadIdentityPoolId'), Boolean(m[2]), body),
      ],
      [
        'POST',
        new RegExp(`^${project}:(getIamPolicy|setIamPolicy)$`),
        (m) =>
          this.enabledOr(CRM_SERVICE) ??
          (m[1] === 'getIamPolicy' ? this.getProjectPolicy() : this.setProjectPolicy(body)),
      ],
    ];
    for (const [verb, pattern, serve] of routes) {
      const match = pattern.exec(path);
      if (match && (verb === '*' || verb === method)) return serve([...match]);
    }
    throw new HttpError(404, 'NOT_FOUND', `The fake serves no ${method} ${path}`);
  }

  private service(id: string, read = false) {
    if (read) this.need('serviceusage.services.get');
    const name = `projects/${this.projectNumber}/services/${id}`;
    return {
      name,
      parent: `projects/${this.projectNumber}`,
      state: this.enabled.has(id) ? 'ENABLED' : 'DISABLED',
    };
  }

  private batchEnable(body: Record<string, unknown>) {
    this.need('serviceusage.services.enable');
    const ids = (body.serviceIds as string[] | undefined) ?? [];
    if (ids.length === 0 || ids.length > 20) {
      throw new HttpError(
        400,
        'INVALID_ARGUMENT',
        `serviceIds must name 1 to 20 services, got ${ids.length}`,
      );
    }
    return this.operation(`operations/acat.p2-${this.projectNumber}-${++this.sequence}`, () => {
      for (const id of ids) this.enabled.add(id);
      return {
        '@type': 'type.googleapis.com/google.api.serviceusage.v1.BatchEnableServicesResponse',
        services: ids.map((id) => this.service(id)),
      };
    });
  }

  private serviceAccount(
    method: string,
    email: string | undefined,
    verb: string | undefined,
    body: Record<string, unknown>,
  ) {
    if (!email) {
      if (method !== 'POST') throw new HttpError(404, 'NOT_FOUND', 'list is not served');
      this.need('iam.serviceAccounts.create');
      const accountId = String(body.accountId ?? '');
      if (accountId.length < 6 || accountId.length > 30 || !ACCOUNT_ID.test(accountId)) {
        throw new HttpError(
          400,
          'INVALID_ARGUMENT',
          `accountId ${accountId} must be 6-30 characters matching [a-z]([-a-z0-9]*[a-z0-9])`,
        );
      }
      const created = `${accountId}@${this.projectId}.iam.gserviceaccount.com`;
      if (this.serviceAccounts.has(created)) {
        throw new HttpError(
          409,
          'ALREADY_EXISTS',
          `Service account ${accountId} already exists within project projects/${this.projectId}.`,
        );
      }
      const displayName = (body.serviceAccount as { displayName?: string } | undefined)?.displayName;
      const account = { email: created, ...(displayName ? { displayName } : {}) };
      this.serviceAccounts.set(created, account);
      this.invisible.set(created, this.newAccountPropagationRequests);
      return {
        name: `projects/${this.projectId}/serviceAccounts/${created}`,
        projectId: this.projectId,
        ...account,
      };
    }
    const permission = verb ? `iam.serviceAccounts.${verb.slice(1)}` : 'iam.serviceAccounts.get';
    this.need(permission, `projects/${this.projectId}/serviceAccounts/${email}`);
    const account = this.visible(email) ? this.serviceAccounts.get(email) : undefined;
    if (!account) throw new HttpError(404, 'NOT_FOUND', `Unknown service account ${email}`);
    if (!verb)
      return {
        name: `projects/${this.projectId}/serviceAccounts/${email}`,
        projectId: this.projectId,
        ...account,
      };
    const current = this.serviceAccountPolicies.get(email) ?? { version: 1, etag: 'ACAB', bindings: [] };
    if (verb === ':getIamPolicy') return current;
    const next = this.replacePolicy(current, body);
    this.serviceAccountPolicies.set(email, next);
    return next;
  }

  private pool(method: string, id: string | null, undelete: boolean, body: Record<string, unknown>) {
    const name = `projects/${this.projectNumber}/locations/global/workloadIdentityPools/${id}`;
    const pool = id ? this.pools.get(id) : undefined;
    if (method === 'GET') {
      this.need('iam.workloadIdentityPools.get', name);
      if (!pool) throw new HttpError(404, 'NOT_FOUND', `Requested entity was not found.`);
      return pool;
    }
    if (undelete) {
      this.need('iam.workloadIdentityPools.undelete', name);
      if (!pool) throw new HttpError(404, 'NOT_FOUND', 'Requested entity was not found.');
      if (pool.state !== 'DELETED')
        throw new HttpError(400, 'FAILED_PRECONDITION', `Pool ${id} is not deleted.`);
      return this.operation(`${name}/operations/${++this.sequence}`, () => {
        pool.state = 'ACTIVE';
        return { ...pool };
      });
    }
    this.need('iam.workloadIdentityPools.create', `projects/${this.projectNumber}/locations/global`);
    if (!id || !/^[a-z0-9-]{4,32}$/.test(id) || id.startsWith('gcp-')) {
      throw new HttpError(
        400,
        'INVALID_ARGUMENT',
        `workloadIdentityPoolId ${id} must be 4-32 of [a-z0-9-], not starting with gcp-`,
      );
    }
    if (pool) throw new HttpError(409, 'ALREADY_EXISTS', `Requested entity already exists`);
    return this.operation(`${name}/operations/${++this.sequence}`, () => {
      const created: Pool = {
        name,
        state: 'ACTIVE',
        ...(body.displayName ? { displayName: String(body.displayName) } : {}),
      };
      this.pools.set(id, created);
      return { ...created };
    });
  }

  private provider(
    method: string,
    poolId: string,
    id: string | null,
    url: URL,
    body: Record<string, unknown>,
  ) {
    const name = `projects/${this.projectNumber}/locations/global/workloadIdentityPools/${poolId}/providers/${id}`;
    const key = `${poolId}/${id}`;
    const existing = this.providers.get(key);
    if (method === 'GET') {
      this.need('iam.workloadIdentityPoolProviders.get', name);
      if (!existing || !this.pools.has(poolId))
        throw new HttpError(404, 'NOT_FOUND', 'Requested entity was not found.');
      return existing;
    }
    const pool = this.pools.get(poolId);
    if (!pool) throw new HttpError(404, 'NOT_FOUND', `Pool ${poolId} was not found.`);
    if (pool.state === 'DELETED')
      throw new HttpError(400, 'FAILED_PRECONDITION', `Pool ${poolId} is deleted.`);
    if (method === 'PATCH') {
      this.need('iam.workloadIdentityPoolProviders.update', name);
      if (!existing) throw new HttpError(404, 'NOT_FOUND', 'Requested entity was not found.');
      if (existing.state === 'DELETED') {
        throw new HttpError(400, 'FAILED_PRECONDITION', `Provider ${id} is deleted; undelete it first.`);
      }
      const mask = (url.searchParams.get('updateMask') ?? '').split(',').filter(Boolean);
      if (mask.length === 0) throw new HttpError(400, 'INVALID_ARGUMENT', 'updateMask is required');
      return this.operation(`${name}/operations/${++this.sequence}`, () => {
        for (const field of mask) Object.assign(existing, { [field]: body[field] });
        return { ...existing };
      });
    }
    this.need(
      'iam.workloadIdentityPoolProviders.create',
      `projects/${this.projectNumber}/locations/global/workloadIdentityPools/${poolId}`,
    );
    if (existing) throw new HttpError(409, 'ALREADY_EXISTS', 'Requested entity already exists');
    if (Boolean(body.aws) === Boolean(body.oidc)) {
      throw new HttpError(400, 'INVALID_ARGUMENT', 'A provider needs exactly one of aws, oidc');
    }
    // "If any custom attribute mappings are defined, they must include a mapping to the
    // google.subject attribute"; OIDC providers must define them.
    const mapping = body.attributeMapping as Record<string, string> | undefined;
    if ((mapping || body.oidc) && !mapping?.['google.subject']) {
      throw new HttpError(400, 'INVALID_ARGUMENT', 'attributeMapping must map google.subject');
    }
    return this.operation(`${name}/operations/${++this.sequence}`, () => {
      const created = { ...(body as Omit<Provider, 'name' | 'state'>), name, state: 'ACTIVE' as const };
      this.providers.set(key, created);
      return { ...created };
    });
  }

  /** A provider, like a pool, is soft-deleted for 30 days and can be undeleted meanwhile. */
  private undeleteProvider(poolId: string, id: string) {
    const name = `projects/${this.projectNumber}/locations/global/workloadIdentityPools/${poolId}/providers/${id}`;
    this.need('iam.workloadIdentityPoolProviders.undelete', name);
    const provider = this.providers.get(`${poolId}/${id}`);
    if (!provider) throw new HttpError(404, 'NOT_FOUND', 'Requested entity was not found.');
    if (provider.state !== 'DELETED')
      throw new HttpError(400, 'FAILED_PRECONDITION', `Provider ${id} is not deleted.`);
    return this.operation(`${name}/operations/${++this.sequence}`, () => {
      provider.state = 'ACTIVE';
      return { ...provider };
    });
  }

  private getProjectPolicy(): Policy {
    this.need('resourcemanager.projects.getIamPolicy', `projects/${this.projectId}`);
    const policy = structuredClone(this.projectPolicy);
    if (this.concurrentProjectPolicyChanges > 0) {
      this.concurrentProjectPolicyChanges -= 1;
      // Another administrator's change lands after this read: the etag the caller holds is stale.
      this.projectPolicy = this.replacePolicy(this.projectPolicy, {
        policy: {
          ...this.projectPolicy,
          bindings: [
            ...(this.projectPolicy.bindings ?? []),
            { role: 'roles/viewer', members: ['user:someone@example.com'] },
          ],
        },
      });
    }
    return policy;
  }

  private setProjectPolicy(body: Record<string, unknown>): Policy {
    this.need('resourcemanager.projects.setIamPolicy', `projects/${this.projectId}`);
    for (const binding of (body.policy as Policy | undefined)?.bindings ?? []) {
      for (const member of binding.members) {
        const email = /^serviceAccount:(.+)$/.exec(member)?.[1];
        if (email?.endsWith(`@${this.projectId}.iam.gserviceaccount.com`) && !this.visible(email)) {
          throw new HttpError(400, 'INVALID_ARGUMENT', `Service account ${email} does not exist.`);
        }
      }
    }
    this.projectPolicy = this.replacePolicy(this.projectPolicy, body);
    return this.projectPolicy;
  }

  /** setIamPolicy: the etag, when given, must be the current one; the new policy gets a new etag. */
  private replacePolicy(current: Policy, body: Record<string, unknown>): Policy {
    const policy = body.policy as Policy | undefined;
    if (!policy) throw new HttpError(400, 'INVALID_ARGUMENT', 'policy is required');
    if (policy.etag !== undefined && policy.etag !== current.etag) {
      throw new HttpError(
        409,
        'ABORTED',
        'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.',
      );
    }
    return { version: policy.version ?? 1, bindings: policy.bindings ?? [], etag: `etag-${++this.sequence}` };
  }

  /** Whether a request naming the account sees it (a new one stays hidden for a few requests). */
  private visible(email: string): boolean {
    const hiddenFor = this.invisible.get(email) ?? 0;
    if (hiddenFor > 0) {
      this.invisible.set(email, hiddenFor - 1);
      return false;
    }
    return this.serviceAccounts.has(email);
  }

  private operation(name: string, finish: () => Record<string, unknown>): Omit<Operation, 'finish'> {
    this.operations.set(name, { name, done: false, finish });
    return { name, done: false };
  }

  private poll(name: string) {
    const operation = this.operations.get(name);
    if (!operation) throw new HttpError(404, 'NOT_FOUND', `Operation ${name} not found`);
    if (!operation.done) {
      operation.response = operation.finish();
      operation.done = true;
    }
    return { name, done: true, response: operation.response };
  }

  private need(permission: string, resource = `projects/${this.projectId}`): void {
    if (!this.denied.has(permission)) return;
    throw new HttpError(
      403,
      'PERMISSION_DENIED',
      `Permission '${permission}' denied on resource '${resource}' (or it may not exist).`,
      {
        reason: 'IAM_PERMISSION_DENIED',
        domain: 'iam.googleapis.com',
        metadata: { permission, resource },
      },
    );
  }

  /** Throws SERVICE_DISABLED unless the API is enabled; `undefined` lets a route go on with `??`. */
  private enabledOr(service: string): undefined {
    if (this.enabled.has(service)) return undefined;
    throw new HttpError(
      403,
      'PERMISSION_DENIED',
      `${service} has not been used in project ${this.projectNumber} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/${service}/overview?project=${this.projectNumber} then retry.`,
      {
        reason: 'SERVICE_DISABLED',
        domain: 'googleapis.com',
        metadata: { service, consumer: `projects/${this.projectNumber}` },
      },
    );
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}
