import { chunkInConditions, inList, and } from '../../src/gateways/connectwise/conditions.js';
import { halves } from '../../src/util/nonEmpty.js';
import { backoffMs, DEFAULT_RETRY, RetryBudget, retryAfterMs } from '../../src/gateways/retryPolicy.js';

describe('retry policy', () => {
  it('honours Retry-After in seconds (or as an HTTP date), capped at 60 s', () => {
    expect(retryAfterMs('3', DEFAULT_RETRY, 0)).toBe(3000);
    expect(retryAfterMs('0', DEFAULT_RETRY, 0)).toBe(0);
    expect(retryAfterMs('3600', DEFAULT_RETRY, 0)).toBe(60_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), DEFAULT_RETRY, 5_000)).toBe(5_000);
    expect(retryAfterMs(undefined, DEFAULT_RETRY, 0)).toBeUndefined();
    expect(retryAfterMs('soon', DEFAULT_RETRY, 0)).toBeUndefined();
  });

  it('backs off exponentially with jitter between half and all of the ceiling, capped', () => {
    for (const [retry, ceiling] of [
      [1, 250],
      [2, 500],
      [3, 1000],
      [6, 8000],
      [10, 8000],
    ] as const) {
      expect(backoffMs(retry, DEFAULT_RETRY, () => 0)).toBe(ceiling / 2);
      expect(backoffMs(retry, DEFAULT_RETRY, () => 0.999999)).toBeCloseTo(ceiling, -1);
    }
    // The longest a request can wait on backoff before giving up (5 retries): bounded.
    const worst = [1, 2, 3, 4, 5].reduce((sum, r) => sum + backoffMs(r, DEFAULT_RETRY, () => 1), 0);
    expect(worst).toBe(250 + 500 + 1000 + 2000 + 4000);
  });

  it('a run-wide budget: a floor, then one retry per two requests', () => {
    const budget = new RetryBudget(2, 0.5);
    expect([budget.tryTake(0), budget.tryTake(0), budget.tryTake(0)]).toEqual([true, true, false]);
    expect(budget.tryTake(2)).toBe(true);
    expect(budget.tryTake(2)).toBe(false);
    expect(budget.used).toBe(3);
  });
});

describe('splitting in-lists to keep URLs under 2,000 characters', () => {
  it('covers every value once, in order, with every URL within the limit', () => {
    const values = Array.from({ length: 700 }, (_, i) => `COMPANY-${i}-${'x'.repeat(i % 30)}`);
    const build = (vs: readonly string[]) => and(inList('company/identifier', vs), 'cancelledFlag=false');
    const urlLength = (conditions: string) =>
      'https://api-na.myconnectwise.net/v4_6_release/apis/3.0/finance/agreements?'.length +
      new URLSearchParams({ conditions }).toString().length;
    const chunks = chunkInConditions(values, build, urlLength, 2000);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.flat()).toEqual(values);
    for (const chunk of chunks) expect(urlLength(build(chunk))).toBeLessThanOrEqual(2000);
    // Each chunk is as full as it can be: one more value would not fit.
    for (let i = 0; i < chunks.length - 1; i++) expect(urlLength(build([...chunks[i]!, chunks[i + 1]![0]!]))).toBeGreaterThan(2000);
  });

  it('refuses a single value that cannot fit any URL', () => {
    expect(() =>
      chunkInConditions(
        ['y'.repeat(3000)],
        (vs) => inList('identifier', vs),
        (c) => c.length,
        2000,
      ),
    ).toThrow(RangeError);
  });
});

describe('halving a refused batch (issue 23: isolating([]) recursed forever)', () => {
  it('always ends: two non-empty halves, or none for a single value; no batch is ever empty', () => {
    expect(halves(['a', 'b', 'c'])).toEqual([['a', 'b'], ['c']]);
    expect(halves(['a', 'b'])).toEqual([['a'], ['b']]);
    expect(halves(['a'])).toBeUndefined();
    // @ts-expect-error an empty list is not a batch: the type refuses it (npm run typecheck)
    halves([]);
    expect(
      chunkInConditions(
        [],
        (vs) => inList('identifier', vs),
        (c) => c.length,
        2000,
      ),
    ).toEqual([]);
  });
});
