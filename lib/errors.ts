/**
 * Error kinds shared by every deployable. The kind decides what happens next:
 * - InputError: the user's data is wrong (bad manifest, unreadable audio). Retrying cannot help; tell the group.
 * - ConfigError: the deployment or the command line is wrong. Stop and say what to set.
 * - TransientError: the outside world hiccuped (network, quota). Retrying may help.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    message: string,
    readonly where?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[], heading = 'Invalid configuration') {
    super(`${heading}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** Raised when work is cancelled (SIGINT/SIGTERM or an AbortSignal). */
export class AbortedError extends Error {
  override readonly name = 'AbortedError';
  constructor(message = 'Aborted') {
    super(message);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError();
}
