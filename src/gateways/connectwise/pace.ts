/**
 * The request pace shared by every lane of a run, for ConnectWise's rate limit (Cloudflare: a fixed
 * window, then 429 with Retry-After). Unpaced until the first 429, or paced below a known limit
 * (MaxRequestsPerSecond). A 429 teaches the limit: the requests ConnectWise accepted in the second
 * before it. The run then paces evenly at a margin below that ceiling, so a window never fills, and
 * after a quiet spell probes a little higher, in case the limit was underestimated; each probe that
 * meets a 429 (the limit confirmed) doubles the wait before the next one, since every 429 pauses all
 * lanes for its Retry-After. 429s that are no limit (an overloaded server refusing at random) never
 * pace the run below half of the best second ConnectWise has served.
 */
export class AdaptivePace {
  /** The limit as learned (requests per second); undefined before any 429 without a known limit. */
  private ceiling: number | undefined;
  private nextSlot = 0;
  private lastLearned = Number.NEGATIVE_INFINITY;
  private lastProbe = Number.NEGATIVE_INFINITY;
  /** How long a quiet spell lasts before the next probe: doubled by each probe the limit refuses. */
  private probeAfterMs = PROBE_AFTER_MS;
  /** The ceiling before the last probe: it ran clean, so it is where a refused probe returns. */
  private beforeProbe: number | undefined;
  /** Until then a 429 teaches nothing: the same burst, or the second after its Retry-After pause (still half empty). */
  private learnAgainAt = Number.NEGATIVE_INFINITY;
  /** Accepted requests per bucket over the last second (a ring of BUCKETS × BUCKET_MS), and the best second seen. */
  private readonly buckets = new Array<number>(BUCKETS).fill(0);
  /** 429s per bucket over the last second. */
  private readonly refusedBuckets = new Array<number>(BUCKETS).fill(0);
  private bucketAt = 0;
  private bestSecond = 0;

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
    this.advance(now);
    this.buckets[this.bucketAt % BUCKETS]!++;
    this.bestSecond = Math.max(this.bestSecond, this.lastSecond());
    // A quiet spell at the learned pace: probe a little higher (never above a known limit).
    if (this.ceiling !== undefined && now - Math.max(this.lastLearned, this.lastProbe) >= this.probeAfterMs) {
      const higher = Math.min(this.ceiling * PROBE_STEP, this.knownLimit ?? Number.POSITIVE_INFINITY);
      // At the known limit already there is nothing to probe, and a later 429 must not be read as a refused probe.
      if (higher > this.ceiling) {
        this.lastProbe = now;
        this.beforeProbe = this.ceiling;
        this.ceiling = higher;
      }
    }
  }

  /**
   * A 429: learn the ceiling from what was accepted in the second before (once per burst of 429s).
   * A second with only a few requests says nothing about a rate limit (a serial start-up read may
   * meet a random 429), nor does a 429 that asks for no wait (Retry-After: 0): then nothing is
   * learned, and Retry-After alone is honoured.
   */
  rateLimited(retryAfterMs?: number): void {
    const now = this.clock();
    this.advance(now);
    this.refusedBuckets[this.bucketAt % BUCKETS]!++;
    const observed = this.lastSecond();
    if (retryAfterMs === 0 || observed + sum(this.refusedBuckets) < MIN_SAMPLE) return;
    if (now < this.learnAgainAt) return;
    this.learnAgainAt = now + (retryAfterMs ?? 0) + BUCKET_MS * BUCKETS;
    const probeRefused = this.lastProbe > this.lastLearned && this.beforeProbe !== undefined;
    // Nothing learned yet: the pace is unpaced or MaxRequestsPerSecond, which this 429 shows to be above the real limit.
    const firstLesson = this.lastLearned === Number.NEGATIVE_INFINITY;
    this.lastLearned = now;
    if (probeRefused) {
      // The last change of pace was a probe, and ConnectWise refused it: back to the pace that ran clean, and probe less often.
      this.probeAfterMs = Math.min(this.probeAfterMs * 2, MAX_PROBE_AFTER_MS);
      this.ceiling = this.beforeProbe;
    } else {
      // A 429 while paced never speeds the run up (a second that straddles two windows can count more than
      // the limit): down a step at least, to what was accepted at most, and never below the back-off.
      const backedOff =
        this.ceiling === undefined || firstLesson
          ? observed
          : Math.min(this.ceiling * STEP_DOWN, Math.max(observed, this.ceiling * BACK_OFF));
      const floor = Math.max(MIN_RATE, this.bestSecond * FLOOR_SHARE);
      this.ceiling = Math.min(
        Math.max(backedOff, floor),
        this.ceiling ?? Number.POSITIVE_INFINITY,
        this.knownLimit ?? Number.POSITIVE_INFINITY,
      );
    }
    this.nextSlot = Math.max(this.nextSlot, now);
  }

  /** Moves the ring to the bucket of `now`, emptying the buckets passed over. */
  private advance(now: number): void {
    const bucket = Math.floor(now / BUCKET_MS);
    if (this.bucketAt === 0) this.bucketAt = bucket;
    for (let b = this.bucketAt + 1; b <= bucket && b <= this.bucketAt + BUCKETS; b++) {
      this.buckets[b % BUCKETS] = 0;
      this.refusedBuckets[b % BUCKETS] = 0;
    }
    this.bucketAt = Math.max(this.bucketAt, bucket);
  }

  private lastSecond(): number {
    return sum(this.buckets);
  }
}

const sum = (values: readonly number[]): number => values.reduce((total, n) => total + n, 0);

/** The last second, in buckets covering a little more than a second: the window's first request is never missed. */
const BUCKET_MS = 50;
const BUCKETS = 21;
/** Pace this far below the ceiling: evenly spaced requests then never fill a fixed window. */
const MARGIN = 0.99;
const PROBE_AFTER_MS = 60_000;
const MAX_PROBE_AFTER_MS = 16 * 60_000;
const PROBE_STEP = 1.02;
/** A 429 while paced, with fewer accepted than the ceiling: come down this far at most. */
const BACK_OFF = 0.85;
/** A 429 while paced (not a probe): at least this far down. */
const STEP_DOWN = 0.98;
/** Random 429s never pace the run below this share of its best second. */
const FLOOR_SHARE = 0.5;
const MIN_RATE = 0.5;
/** Fewer requests than this in the last second (accepted and refused): a 429 teaches nothing about a limit. */
const MIN_SAMPLE = 5;
