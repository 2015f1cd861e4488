import type { LogCode, MessageParams } from './logging/codes.js';
import type { EntryDetails } from './logging/runLogger.js';

/**
 * An error that knows which log code reports it and the message parameters for that code.
 * Callers decide by `code` (or by class), never by the message text.
 */
export class CodedError extends Error {
  constructor(
    readonly code: LogCode,
    readonly params: MessageParams,
    message: string,
    options?: { cause?: unknown; details?: EntryDetails },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.details = options?.details;
  }

  /** How the entry reporting it is logged: a suffix the vendor's wording has no place for, data. */
  readonly details?: EntryDetails;
}

/** The host's signal fired. */
export class CancelledError extends Error {
  constructor() {
    super('The run was cancelled');
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A response that could not be read after its retries: CW13 wherever it happens. */
export const isUnreadable = (error: unknown): boolean => error instanceof CodedError && error.code === 'CW13';

/**
 * A create whose answer was lost (timeout, reset, 5xx, an unreadable 2xx): ConnectWise may still
 * commit it. It is never retried within the run; the end-of-run check looks for it (spec 6.8).
 */
export const isOutcomeUnknown = (error: unknown): boolean =>
  error instanceof Error && (error as { outcomeUnknown?: unknown }).outcomeUnknown === true;
