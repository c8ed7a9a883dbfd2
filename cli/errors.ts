/**
 * The exit codes of every `dms2bq` command (docs/operations.md#exit-codes):
 * 0 all good; 1 a problem found or an operation failed; 2 usage or environment (a wrong flag, an
 * unknown stage, no credentials, no region, no local environment: fix the call, then run it again).
 */
export const EXIT = { ok: 0, problem: 1, usage: 2 } as const;
export type FailureCode = typeof EXIT.problem | typeof EXIT.usage;

/** A mistake in the user's input or a problem found: printed as one clear line, no stack trace. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly exitCode: FailureCode = EXIT.problem,
  ) {
    super(message);
  }
}

/** Usage or environment: the command cannot run as called (exit 2). */
export const usageError = (message: string): UserError => new UserError(message, EXIT.usage);

/** A problem the command found or an operation that failed (exit 1). */
export const problemError = (message: string): UserError => new UserError(message, EXIT.problem);
