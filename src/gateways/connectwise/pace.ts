/**
 * The request pace shared by every lane of a run, for ConnectWise's rate limit (Cloudflare: a fixed
 * window, then 429 with Retry-After). Unpaced until the first 429, or paced below a known limit
 * (MaxRequestsPerSecond). A 429 teaches the limit: the requests ConnectWise accepted in the second
 * before it. The run then paces evenly at a margin below that ceiling, so a window never fills, and
 * after a quiet spell probes a little higher, in case the limit was underestimated.
 */
export class AdaptivePace {
  /** The limit as learned (requests per second); undefined before any 429 without a known limit. */
  private ceiling: number | undefined;
  private nextSlot = 0;
  private lastLearned = 0;
  private lastProbe = 0;
  /** Times of accepted requests in the last second, oldest first. */
  private readonly acceptedAt: number[] = [];

  constructor(
    private readonly knownLimit: number | undefined,
    private readonly clock: () => number = Date.now,
  ) {
    this.ceiling = knownLimit;
  }

  /** Requests per second currently allowed; undefined while unpaced. */
  get allowed(): number | undefined {
    return this.ceiling === undefined ? undefined : this.ceiling * MARGIN;
  }

  /** How long the next request waits for its slot (0 when unpaced); the slot is taken. */
  reserve(): number {
    const rate = this.allowed;
    if (rate === undefined) return 0;
    const now = this.clock();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / rate;
    return slot - now;
  }

  accepted(): void {
    const now = this.clock();
    this.acceptedAt.push(now);
    while (this.acceptedAt.length > 0 && this.acceptedAt[0]! <= now - WINDOW_MS) this.acceptedAt.shift();
    // A quiet spell at the learned pace: probe a little higher (never above a known limit).
    if (this.ceiling !== undefined && now - Math.max(this.lastLearned, this.lastProbe) >= PROBE_AFTER_MS) {
      this.lastProbe = now;
      this.ceiling = Math.min(this.ceiling * PROBE_STEP, this.knownLimit ?? Number.POSITIVE_INFINITY);
    }
  }

  /** A 429: learn the ceiling from what was accepted in the second before (once per burst of 429s). */
  rateLimited(): void {
    const now = this.clock();
    if (now - this.lastLearned < WINDOW_MS) return;
    this.lastLearned = now;
    const observed = this.acceptedAt.filter((t) => t > now - WINDOW_MS).length;
    // Right after a pause the last second says little: then only back off.
    const trustworthy = this.ceiling === undefined ? observed > 0 : observed >= this.ceiling * 0.5;
    const learned = trustworthy ? observed : (this.ceiling ?? MIN_RATE) * BACK_OFF;
    this.ceiling = Math.max(MIN_RATE, Math.min(learned, this.knownLimit ?? Number.POSITIVE_INFINITY));
    this.nextSlot = Math.max(this.nextSlot, now);
  }
}

const WINDOW_MS = 1000;
/** Pace this far below the ceiling: evenly spaced requests then never fill a fixed window. */
const MARGIN = 0.98;
const PROBE_AFTER_MS = 20_000;
const PROBE_STEP = 1.02;
const BACK_OFF = 0.85;
const MIN_RATE = 0.5;
