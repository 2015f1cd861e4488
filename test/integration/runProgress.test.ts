import type { RunProgress } from '../../src/task/tokens.js';
import { runWorld, World } from '../support/world.js';

/**
 * The progress a run reports as it goes (the CLI's progress line on a terminal): customers done out
 * of the total while reading and while writing, the changes written so far, and the request rate
 * since the run began. Over HTTP against the sandbox.
 */
describe('run progress', () => {
  it('counts customers per phase, the writes as they land, and requests per second since the start', async () => {
    const w = new World();
    const acme = w.agreement('ACME');
    const beta = w.agreement('BETA');
    w.agreement('GAMMA');
    w.addition(acme, 'A1', 3);
    w.addition(beta, 'B2', 2);
    // ACME: an update and a create; BETA: a zero; GAMMA: nothing to write.
    w.row('AC', 'ACME', 'A1', 5).row('AC', 'ACME', 'C3', 1, 0).row('BE', 'BETA', 'B2', 0, 2).row('GA', 'GAMMA', 'A1', 0, 0);
    const events: Array<RunProgress & { at: number }> = [];
    const started = Date.now();
    const { result } = await runWorld(w, { progress: (p) => events.push({ ...p, at: Date.now() }) });
    expect(result.status).toBe('Success');

    const reading = events.filter((e) => e.phase === 'reading');
    const writing = events.filter((e) => e.phase === 'writing');
    expect(events.findIndex((e) => e.phase === 'writing')).toBe(reading.length); // all reading first
    // Reading: one report per customer, none of them a change.
    expect(reading.map((e) => [e.customersDone, e.customersTotal, e.changes])).toEqual([
      [1, 3, 0],
      [2, 3, 0],
      [3, 3, 0],
    ]);
    // Writing: a report per landed write (changes so far) and one per agreement done; two agreements have writes.
    expect(writing.map((e) => e.customersTotal)).toEqual(writing.map(() => 2));
    expect(writing.at(-1)).toMatchObject({ customersDone: 2, changes: 3 });
    expect(writing.map((e) => e.changes)).toEqual([...writing.map((e) => e.changes)].sort((a, b) => a - b));
    expect(Math.max(...writing.map((e) => e.customersDone))).toBe(2);
    expect(writing.filter((e, i) => i > 0 && e.changes > writing[i - 1]!.changes)).toHaveLength(2);

    // Requests per second: the requests so far over the seconds since the run began (more than a millisecond, less than the test took).
    for (const e of events) {
      expect(e.requests).toBeGreaterThan(0);
      const seconds = e.requests / e.requestsPerSecond;
      expect(seconds).toBeGreaterThan(0.001);
      expect(seconds).toBeLessThanOrEqual((e.at - started) / 1000 + 0.001);
    }
    // (The end-of-run check of the create reads once more after the last report.)
    expect(events.at(-1)!.requests).toBe(result.requests!.requests - 1);
  });
});
