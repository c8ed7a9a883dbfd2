import type { AuthClient } from 'google-auth-library';

/** The three control-plane APIs setup calls; one fake serves them all in tests (`--google-endpoint`). */
export interface GoogleEndpoints {
  serviceUsage: string;
  iam: string;
  resourceManager: string;
}

export const GOOGLE_ENDPOINTS: GoogleEndpoints = {
  serviceUsage: 'https://serviceusage.googleapis.com',
  iam: 'https://iam.googleapis.com',
  resourceManager: 'https://cloudresourcemanager.googleapis.com',
};

export const sameEndpoint = (url: string): GoogleEndpoints => ({
  serviceUsage: url,
  iam: url,
  resourceManager: url,
});

/**
 * A Google API error, from the body every Google REST API returns:
 * `{"error":{"code":403,"status":"PERMISSION_DENIED","message":…,"details":[{"@type":…ErrorInfo,
 * "reason":"IAM_PERMISSION_DENIED","metadata":{"permission":…}}]}}`.
 */
export class GoogleApiError extends Error {
  override name = 'GoogleApiError';
  constructor(
    readonly httpStatus: number,
    readonly status: string,
    message: string,
    readonly reason?: string,
    readonly metadata: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface ErrorBody {
  error?: {
    code?: number;
    status?: string;
    message?: string;
    details?: { '@type'?: string; reason?: string; metadata?: Record<string, string> }[];
  };
}

export interface Operation {
  name: string;
  done?: boolean;
  error?: { code?: number; message?: string };
  response?: Record<string, unknown>;
}

export type Sleep = (ms: number) => Promise<void>;

/**
 * A new service account is not visible to every read at once: "After you create a service account,
 * you might need to wait for 60 seconds or more before you use the service account … you can retry
 * the request with exponential backoff" (IAM, Create service accounts). 2+4+…+64 s ≈ 2 minutes.
 */
const NEW_ACCOUNT_BACKOFF_MS = [2_000, 4_000, 8_000, 16_000, 32_000, 64_000];

/** How long a long-running operation may take before setup gives up (it is safe to rerun). */
const POLL_INTERVAL_MS = 2_000;
const MAX_POLLS = 150;

/** Google's REST APIs through an AuthClient (ADC in production, PassThroughClient for a fake). */
export class GoogleRest {
  constructor(
    private readonly client: Pick<AuthClient, 'request'>,
    readonly endpoints: GoogleEndpoints,
    private readonly sleep: Sleep,
  ) {}

  async call<T>(method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown): Promise<T> {
    try {
      const response = await this.client.request<T>({
        url,
        method,
        ...(body === undefined ? {} : { data: body }),
        responseType: 'json',
        retry: false,
      });
      return response.data;
    } catch (error) {
      throw toGoogleApiError(error);
    }
  }

  /** Runs `call` again with exponential backoff while `transient` says the failure is propagation. */
  async eventually<T>(call: () => Promise<T>, transient: (error: unknown) => boolean): Promise<T> {
    for (const wait of NEW_ACCOUNT_BACKOFF_MS) {
      try {
        return await call();
      } catch (error) {
        if (!transient(error)) throw error;
        await this.sleep(wait);
      }
    }
    return call();
  }

  /** Polls `GET <base>/v1/<operation name>` until done; an operation's error becomes a GoogleApiError. */
  async wait(base: string, operation: Operation): Promise<Operation> {
    let current = operation;
    for (let polls = 0; !current.done; polls++) {
      if (polls >= MAX_POLLS) {
        throw new GoogleApiError(
          504,
          'DEADLINE_EXCEEDED',
          `operation ${operation.name} was not done after ${(MAX_POLLS * POLL_INTERVAL_MS) / 60_000} minutes; rerun setup (it is idempotent)`,
        );
      }
      await this.sleep(POLL_INTERVAL_MS);
      current = await this.call<Operation>('GET', `${base}/v1/${current.name}`);
    }
    if (current.error) {
      throw new GoogleApiError(
        current.error.code ?? 500,
        'OPERATION_FAILED',
        current.error.message ?? 'operation failed',
      );
    }
    return current;
  }
}

function toGoogleApiError(error: unknown): unknown {
  const response = (error as { response?: { status?: number; data?: unknown } }).response;
  if (!response?.status) return error;
  const data = (typeof response.data === 'string' ? safeJson(response.data) : response.data) as ErrorBody;
  const body = data?.error;
  const info = body?.details?.find((detail) => detail['@type']?.endsWith('google.rpc.ErrorInfo'));
  return new GoogleApiError(
    response.status,
    body?.status ?? `HTTP_${response.status}`,
    body?.message ?? (error as Error).message,
    info?.reason,
    info?.metadata ?? {},
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

export const isStatus = (error: unknown, httpStatus: number, status?: string): boolean =>
  error instanceof GoogleApiError &&
  error.httpStatus === httpStatus &&
  (status === undefined || error.status === status);
