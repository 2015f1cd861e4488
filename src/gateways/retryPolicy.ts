/** How long to wait before retry number `retry` (1-based), and whether a run may still retry. */
export interface RetrySettings {
  /** Retries per request, 429s included. */
  maxRetries: number;
  /** A Retry-After above this many seconds is waited as this many. */
  maxRetryAfterSeconds: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { maxRetries: 5, maxRetryAfterSeconds: 60, backoffBaseMs: 250, backoffMaxMs: 8000 };

/** Exponential backoff with full jitter, so many clients (or lanes) do not retry in step. */
export function backoffMs(retry: number, settings: RetrySettings, random: () => number): number {
  const ceiling = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Retry-After in seconds (ConnectWise sends numbers; an HTTP date is honoured too), capped. */
export function retryAfterMs(header: string | undefined, settings: RetrySettings, now: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const seconds = /^\d+(\.\d+)?$/.test(header.trim()) ? Number(header) : (Date.parse(header) - now) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  return Math.max(0, Math.min(seconds, settings.maxRetryAfterSeconds)) * 1000;
}

/**
 * A run-wide allowance of retries: a few always, more as the run makes more requests. When it is
 * spent, requests fail at once, so a dead API ends the run promptly instead of hanging it.
 */
export class RetryBudget {
  private spent = 0;
  constructor(
    private readonly floor = 30,
    private readonly perRequest = 0.5,
  ) {}
  tryTake(requestsSoFar: number): boolean {
    if (this.spent >= this.floor + this.perRequest * requestsSoFar) return false;
    this.spent++;
    return true;
  }
  get used(): number {
    return this.spent;
  }
}

/** One try of a request: its value, or a failure that may be tried again (after Retry-After when the server gave one). */
export type Attempt<T, F extends Error = Error> = { value: T } | { failure: F; retryAfterMs?: number };

export interface RetryLoop {
  settings: RetrySettings;
  random: () => number;
  /** Waits between tries (and stops waiting when the run is cancelled). */
  wait(ms: number): Promise<void>;
  /** Asked before each retry: false ends the loop (a run-wide budget that is spent). */
  mayRetry?(): boolean;
  onRetry?(): void;
  onGiveUp?(): void;
}

/**
 * The one retry loop of both API clients (ConnectWise, Atria): a failure that may be retried waits
 * for its Retry-After, else a backoff with jitter, up to the retry limit; a failure thrown by the
 * attempt itself is final.
 */
export async function retrying<T, F extends Error>(attempt: () => Promise<Attempt<T, F>>, loop: RetryLoop): Promise<T> {
  for (let retry = 1; ; retry++) {
    const outcome = await attempt();
    if ('value' in outcome) return outcome.value;
    if (retry > loop.settings.maxRetries || !(loop.mayRetry?.() ?? true)) {
      loop.onGiveUp?.();
      throw outcome.failure;
    }
    loop.onRetry?.();
    await loop.wait(outcome.retryAfterMs ?? backoffMs(retry, loop.settings, loop.random));
  }
}
