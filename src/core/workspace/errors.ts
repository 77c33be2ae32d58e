/**
 * The one error type core throws for user-facing failures. `code` is stable (CLI exit handling, tests),
 * `file` names the file at fault when there is one, `hint` tells the user what to do next.
 */
export class LatheError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: { file?: string; hint?: string; cause?: unknown } = {},
  ) {
    super(message);
    this.name = 'LatheError';
  }

  get file(): string | undefined {
    return this.details.file;
  }

  get hint(): string | undefined {
    return this.details.hint;
  }
}

export function isLatheError(e: unknown): e is LatheError {
  return e instanceof LatheError;
}

/** A one-line description of any thrown value, for the CLI and notifications. */
export function describeError(e: unknown): string {
  if (e instanceof LatheError) return e.hint ? `${e.message} (${e.hint})` : e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
