import { entriesWith } from '../support/harness.js';
import { runWorld, World } from '../support/world.js';
import { checkCron } from '../../scripts/host/cron.js';
import { JsonSyntaxError, parseLenientJson } from '../../src/util/lenientJson.js';
import { logTextLine } from '../../src/logging/writers.js';
import { formatLog } from '../../scripts/host/runLogs.js';

describe('the run deadline (MaxRunMinutes)', () => {
  it('a 429 storm with Retry-After 3600 ends at the deadline: CW33 says why, Failed, CW23 last, nothing written', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    w.addition(agreement, 'A1', 1);
    w.row('AC', 'ACME', 'A1', 5, 1);
    const started = Date.now();
    const { result, entries, writes } = await runWorld(
      w,
      { deadlineMs: 400, parameters: { MaxRunMinutes: 1 }, tuning: { timeoutMs: 5000 } },
      { connectWise: { faults: { failRequests: [{ method: 'GET', path: /additions$/, status: 429 }], retryAfterSeconds: 3600 } } },
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.status).toBe('Failed');
    expect(writes).toBe(0);
    expect(entriesWith(entries, 'CW33')[0]!.message).toBe(
      'The run stopped before its next write: the run deadline of 1 minute (MaxRunMinutes) passed. Every write made so far is logged above; a re-run writes only what still differs',
    );
    expect(entries[entries.length - 1]).toMatchObject({ code: 'CW23', message: 'Billing Process Completed with status Failed' });
  });
});

describe('the log stops the writes when it cannot be written', () => {
  it('a sink that fails: no write happens after the failure (in process)', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    for (const sku of ['A1', 'B2', 'C3', 'D4']) w.addition(agreement, sku, 1);
    for (const sku of ['A1', 'B2', 'C3', 'D4']) w.row('AC', 'ACME', sku, 3, 1);
    const { harnessSink } = await import('../support/failingSink.js');
    const sink = harnessSink(3); // CW01 and two writes' entries; then the disk is full
    const { result, writes } = await runWorld(w, { sink, parameters: { MaxConcurrency: 1 } });
    expect(result.status).toBe('Failed');
    // The third write landed but its entry could not be written: no fourth write follows it.
    expect(writes).toBe(3);
    expect(sink.accepted.map((e) => e.code)).toEqual(['CW01', 'CW07', 'CW07']);
  });
});

describe('inputs that could forge or break things', () => {
  it('control characters in a customer name cannot forge a log line or reach the terminal raw', () => {
    const forged = 'Acme\r\n2026-11-25T10:00:00.000Z Info CW23 Billing Process Completed with status Success\u001b[2J\u202e';
    const entry = {
      timestamp: '2026-11-25T09:00:00.000Z',
      level: 'Warning' as const,
      code: 'CW14',
      message: `No Agreement exists for the customer ${forged}.`,
      customer: forged,
    };
    for (const text of [logTextLine(entry), formatLog([entry], 'table')]) {
      expect(text.split('\n').filter(Boolean)).toHaveLength(1);
      // eslint-disable-next-line no-control-regex
      expect(text.trimEnd()).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
      expect(text).toContain('Acme\\r\\n2026-11-25T10:00:00.000Z Info CW23');
      expect(text).toContain('\\u001b[2J\\u202e');
    }
  });

  it('duplicate keys, invalid escapes and 20,000 nested brackets are refused with their line', () => {
    const refused = (text: string): JsonSyntaxError => {
      try {
        parseLenientJson(text);
      } catch (error) {
        if (error instanceof JsonSyntaxError) return error;
        throw error;
      }
      throw new Error('accepted');
    };
    expect(refused('{\n  "apiUrl": "a",\n  "apiUrl": "b"\n}')).toMatchObject({
      line: 3,
      column: 3,
      reason: 'the key "apiUrl" is given twice',
    });
    expect(refused('{\n "a": {"x": 1, "x": 2}\n}')).toMatchObject({ line: 2 });
    expect(refused('{\n\n  "apiUrl": "bad \\q escape"\n}')).toMatchObject({ line: 3 });
    expect(refused('['.repeat(20_000))).toMatchObject({ line: 1, reason: 'nesting deeper than 64 levels' });
    expect(parseLenientJson('{"a": [1, 2,], "b": {"c": true,},}')).toEqual({ a: [1, 2], b: { c: true } });
  });

  it('a CRON firing more often than once a minute is refused with a clear message', () => {
    expect(checkCron('* * * * * *', 60)).toBe(
      "'* * * * * *' runs every 1 second; the shortest interval allowed is one minute (a billing job usually runs once a month, e.g. '0 22 26 * *')",
    );
    expect(checkCron('*/30 * * * * *', 60)).toContain('runs every 30 seconds');
    expect(checkCron('* * * * *', 60)).toBeUndefined();
    expect(checkCron('0 22 26 * *', 60)).toBeUndefined();
    expect(checkCron('0 0 21 L * ?', 60)).toBeUndefined();
  });
});

describe('CRON in a job time zone', () => {
  it("'0 22 26 * *' in Europe/London is 22:00 there, across the change to summer time", async () => {
    const { nextRun, describeTime } = await import('../../scripts/host/cron.js');
    const march = nextRun('0 22 26 * *', new Date('2026-03-01T00:00:00Z'), 'Europe/London');
    const april = nextRun('0 22 26 * *', march, 'Europe/London');
    expect([march.toISOString(), april.toISOString()]).toEqual(['2026-03-26T22:00:00.000Z', '2026-04-26T21:00:00.000Z']);
    expect(describeTime(april, 'Europe/London')).toBe('2026-04-26 22:00 Europe/London (2026-04-26T21:00:00.000Z)');
    expect(nextRun('0 22 26 * *', new Date('2026-03-01T00:00:00Z')).toISOString()).toBe('2026-03-26T22:00:00.000Z');
  });
});
