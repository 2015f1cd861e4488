import { AdaptivePace } from '../../src/gateways/connectwise/pace.js';

/**
 * The pace against a simulated Cloudflare fixed window (limit per second, 429 + Retry-After 1 s
 * that pauses every lane), on a simulated clock: requests by a few lanes that each wait for the
 * pace, then take `latencyMs` for an answer.
 */
function simulate(limit: number, requests: number, knownLimit?: number): { throughput: number; refused: number; shareOfLimit: number } {
  let now = 0;
  const pace = new AdaptivePace(knownLimit, () => now);
  const lanes = 6;
  const latencyMs = 20;
  const laneFree = Array.from({ length: lanes }, () => 0);
  let windowStart = -Infinity;
  let windowCount = 0;
  let pausedUntil = 0;
  let accepted = 0;
  let refused = 0;
  while (accepted < requests) {
    const lane = laneFree.indexOf(Math.min(...laneFree));
    now = Math.max(now, laneFree[lane]!, pausedUntil);
    now += pace.reserve();
    const arrival = now + latencyMs / 2;
    if (arrival - windowStart >= 1000) {
      windowStart = arrival;
      windowCount = 0;
    }
    windowCount++;
    const answeredAt = now + latencyMs;
    const at = now;
    now = answeredAt;
    if (windowCount > limit) {
      refused++;
      pace.rateLimited();
      pausedUntil = Math.max(pausedUntil, answeredAt + 1000);
    } else {
      accepted++;
      pace.accepted();
    }
    now = at;
    laneFree[lane] = answeredAt;
  }
  const seconds = Math.max(...laneFree) / 1000;
  return { throughput: accepted / seconds, refused, shareOfLimit: accepted / seconds / limit };
}

describe('the adaptive pace under a fixed-window rate limit', () => {
  it.each([10, 50])('learns a limit of %i/s: ≥ 95%% of it sustained over 2,000 requests, ≤ 2%% answered 429', (limit) => {
    const { shareOfLimit, refused } = simulate(limit, 2000);
    expect(shareOfLimit).toBeGreaterThanOrEqual(0.95);
    expect(refused / (2000 + refused)).toBeLessThanOrEqual(0.02);
  });

  it('probes less often once the limit is confirmed: a long run meets few 429s', () => {
    // 20,000 requests at 10/s: over half an hour. Probing every minute would meet a 429 (and pause every lane) 30 times.
    const { shareOfLimit, refused } = simulate(10, 20_000);
    expect(shareOfLimit).toBeGreaterThanOrEqual(0.98);
    expect(refused).toBeLessThanOrEqual(15);
  });

  it('with MaxRequestsPerSecond at the limit, paces below it from the first request', () => {
    const { shareOfLimit, refused } = simulate(10, 500, 10);
    expect(refused).toBe(0);
    expect(shareOfLimit).toBeGreaterThanOrEqual(0.95);
  });

  it('with MaxRequestsPerSecond above the real limit, the first 429 brings the pace down to what ConnectWise accepted (issue 23)', () => {
    let now = 0;
    const pace = new AdaptivePace(20, () => now);
    // A real limit of 10 a second: the window is full after 10 requests at the configured pace.
    for (let i = 0; i < 10; i++) {
      now += pace.reserve();
      pace.accepted();
    }
    now += pace.reserve();
    pace.rateLimited(1000);
    expect(pace.allowed).toBeLessThanOrEqual(10);
    expect(pace.allowed).toBeGreaterThanOrEqual(9);
    const { shareOfLimit, refused } = simulate(10, 2000, 20);
    expect(refused).toBeLessThanOrEqual(3);
    expect(shareOfLimit).toBeGreaterThanOrEqual(0.95);
  });

  it('is unpaced until ConnectWise throttles', () => {
    const pace = new AdaptivePace(undefined, () => 0);
    for (let i = 0; i < 100; i++) expect(pace.reserve()).toBe(0);
    expect(pace.allowed).toBeUndefined();
  });
});

/** A pace on a clock the test moves by hand, and a helper that answers `count` requests `everyMs` apart. */
function onHandClock() {
  const clock = { now: 1_000_000 };
  const pace = new AdaptivePace(undefined, () => clock.now);
  const accept = (count: number, everyMs: number): void => {
    for (let i = 0; i < count; i++) {
      clock.now += everyMs;
      pace.accepted();
    }
  };
  /** A second of 10 accepted, then the 429 that teaches a limit of 10. */
  const learnTen = (): number => {
    accept(10, 100);
    pace.rateLimited(1000);
    return pace.allowed!;
  };
  return { clock, pace, accept, learnTen };
}

describe('what a 429 teaches', () => {
  it('a 429 in the second after a Retry-After pause (half empty) does not lower the pace', () => {
    const { clock, pace, accept, learnTen } = onHandClock();
    expect(learnTen()).toBeCloseTo(9.9);
    clock.now += 1000; // every lane waits out Retry-After
    accept(5, 20);
    pace.rateLimited(1000);
    expect(pace.allowed).toBeCloseTo(9.9);
  });

  it('learns the whole window: the request that opened it a second before the 429 counts', () => {
    const { clock, pace, accept } = onHandClock();
    accept(1, 0); // the window's first request: a serial start-up read
    clock.now += 990;
    accept(9, 0); // the lanes fill the rest of the window at once
    clock.now += 15;
    pace.rateLimited(1000);
    expect(pace.allowed).toBeCloseTo(9.9);
  });

  it('a 429 while paced never speeds the run up', () => {
    const { clock, pace, accept, learnTen } = onHandClock();
    const learned = learnTen();
    clock.now += 5000;
    accept(19, 52); // a second that holds more than the limit (two windows straddled)
    pace.rateLimited(1000);
    expect(pace.allowed).toBeLessThan(learned);
  });

  it('a refused probe returns to the pace that ran clean', () => {
    const { clock, pace, accept, learnTen } = onHandClock();
    const clean = learnTen();
    for (let i = 0; i < 700 && pace.allowed === clean; i++) accept(1, 101);
    expect(pace.allowed).toBeGreaterThan(clean); // probed after a quiet minute
    clock.now += 1000; // a lull (a phase of the run ending), then a burst the probe let through meets the limit
    accept(5, 20);
    pace.rateLimited(1000);
    expect(pace.allowed).toBe(clean);
  });
});

describe('429s that are no rate limit', () => {
  it('random refusals never pace the run below half of its best second', () => {
    let now = 1_000_000;
    const pace = new AdaptivePace(undefined, () => now);
    for (let i = 0; i < 200; i++) {
      now += 5;
      pace.accepted();
    }
    for (let second = 0; second < 30; second++) {
      for (let i = 0; i < 20; i++) {
        now += 50;
        pace.accepted();
      }
      pace.rateLimited();
    }
    // ~200 in its best second: never below about 100 a second, although every second brings a 429.
    expect(pace.allowed).toBeGreaterThanOrEqual(95);
  });
});
