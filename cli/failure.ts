import { StageConfigError } from '../infra/field-reader.js';
import { MappingLoadError } from '../lambdas/shared/mappings/load.js';
import { EXIT, type FailureCode, UserError } from './errors.js';

/** What `dms2bq` prints for a failed command: one line, and the exit code. */
export interface Failure {
  line: string;
  exitCode: FailureCode;
}

export const DEBUG_ENV = 'DMS2BQ_DEBUG';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Turns any error a command lets through into one line that names what is missing and what to do.
 * Known families (AWS SDK configuration and credentials, Google auth, the network, a DuckDB file
 * another process holds) get their fix; anything else keeps its message and points at the stack.
 */
export function describeFailure(error: unknown): Failure {
  if (error instanceof UserError) return { line: oneLine(error.message), exitCode: error.exitCode };
  if (error instanceof MappingLoadError)
    return { line: oneLine(error.message), exitCode: error.wrongPath ? EXIT.usage : EXIT.problem };
  // A stage that does not exist or whose config is wrong: the call cannot run as made.
  if (error instanceof StageConfigError) return { line: oneLine(error.message), exitCode: EXIT.usage };
  const { name, message } = asError(error);
  // The network first: the AWS SDK puts $metadata on a refused connection too.
  const known = networkFailure(error) ?? awsFailure(name, message, error) ?? googleFailure(message);
  if (known) return known;
  const lock = /Could not set lock on file "([^"]+)".*?\(PID (\d+)\)/s.exec(message);
  if (lock) {
    return {
      line: `${lock[1]} is in use by another process (PID ${lock[2]}); stop that process or use another file (DuckDB lets one process hold it; local query goes through a running local up by itself)`,
      exitCode: EXIT.usage,
    };
  }
  return {
    line: `${name}: ${oneLine(message)} (rerun with ${DEBUG_ENV}=1 for the stack trace)`,
    exitCode: EXIT.problem,
  };
}

/**
 * A step that failed, as one line `<what>: <why>`, keeping the exit code of the cause: a missing
 * credential stays a problem of the environment (2) however deep the call that met it.
 */
export function failedStep(what: string, error: unknown): UserError {
  const failure = describeFailure(error);
  return new UserError(`${what}: ${failure.line}`, failure.exitCode);
}

const environment = (line: string): Failure => ({ line, exitCode: EXIT.usage });
const failed = (line: string): Failure => ({ line, exitCode: EXIT.problem });

function awsFailure(name: string, message: string, error: unknown): Failure | undefined {
  if (message === 'Region is missing') {
    return environment('no AWS region: pass --region <region> or set AWS_REGION');
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials from any providers/.test(message)) {
    return environment(
      'no AWS credentials: run aws sso login and set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
  }
  const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  if (!metadata) return undefined;
  if (/ExpiredToken|RequestExpired/.test(name)) {
    return environment(`AWS credentials expired (${name}): log in again (aws sso login) and rerun`);
  }
  if (/UnrecognizedClient|InvalidClientTokenId|InvalidSignature|SignatureDoesNotMatch/.test(name)) {
    return environment(
      `AWS rejected the credentials (${name}): check AWS_PROFILE or the access keys for this account`,
    );
  }
  if (/AccessDenied|NotAuthorized|Forbidden/.test(name) || metadata.httpStatusCode === 403) {
    return failed(
      `AWS denied the call (${name}): ${oneLine(message)}; the identity needs the permission named there`,
    );
  }
  return failed(`AWS call failed: ${name}: ${oneLine(message)}`);
}

function googleFailure(message: string): Failure | undefined {
  if (/Could not load the default credentials/.test(message)) {
    return environment(
      'no Google credentials: run gcloud auth application-default login, or set GOOGLE_APPLICATION_CREDENTIALS (in CI: Workload Identity Federation)',
    );
  }
  if (/invalid_grant|reauth|Request had invalid authentication credentials/i.test(message)) {
    return environment(
      `Google rejected the credentials (${oneLine(message)}): run gcloud auth application-default login again`,
    );
  }
  return undefined;
}

/**
 * node-fetch's FetchError, undici's `fetch failed` and raw sockets keep the code in different places.
 * Nothing listening is the environment (start it); a network that drops the call is a failure.
 */
function networkFailure(error: unknown): Failure | undefined {
  const code = errorCode(error);
  if (!code || !NETWORK_CODES.has(code)) return undefined;
  const { message } = asError(error);
  const url = /request to (\S+) failed/.exec(message)?.[1];
  const address = url ? new URL(url).origin : (hostOf(error) ?? 'the endpoint');
  if (code === 'ECONNREFUSED') {
    return environment(
      `cannot reach ${address} (${code}): nothing listens there; start it (dms2bq local up, dms2bq bigquery-emulator) or fix --endpoint`,
    );
  }
  return failed(`cannot reach ${address} (${code}): check the network, the proxy and the endpoint`);
}

function errorCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const { code, errno, cause } = error as { code?: unknown; errno?: unknown; cause?: unknown };
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  if (typeof errno === 'string' && NETWORK_CODES.has(errno)) return errno;
  return errorCode(cause, depth + 1);
}

function hostOf(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const { address, port, hostname, cause } = error as Record<string, unknown>;
  if (typeof address === 'string') return port ? `${address}:${String(port)}` : address;
  if (typeof hostname === 'string') return hostname;
  return hostOf(cause, depth + 1);
}

const asError = (error: unknown): { name: string; message: string } =>
  error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };

/** Several lines (DuckDB, Google's JSON bodies) become one; a terminal line never wraps a stack in. */
export const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();
