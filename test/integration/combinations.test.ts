import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { FileRunLock } from '../../src/task/runLock.js';
import { takeOver } from '../../src/util/fileLock.js';
import { entriesWith, only } from '../support/harness.js';
import { runWorld, World } from '../support/world.js';

/**
 * Combinations the test world's defaults never produce (issue 23: the mutants that survived).
 * Each case names the rule it holds and builds only what it needs.
 */
describe('updates whatever last month said (spec 6.4)', () => {
  it.each([
    ['0', 0],
    ['unreadable', 'n/a'],
  ])('last month %s, this month 5: the addition holding 3 is updated to 5', async (_label, lastMonth) => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const addition = w.addition(agreement, 'A1', 3);
    w.row('AC', 'ACME', 'A1', 5, lastMonth);
    const { entries } = await runWorld(w);
    expect(w.quantityOf(addition)).toBe(5);
    expect(only(entries, 'CW07').data).toMatchObject({ additionId: addition, before: 3, after: 5 });
  });

  it('last month above this month (a drop, not to 0): updated down', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const addition = w.addition(agreement, 'A1', 9);
    w.row('AC', 'ACME', 'A1', 4, 9);
    await runWorld(w);
    expect(w.quantityOf(addition)).toBe(4);
  });
});

describe('AllManagedSkus combinations (spec 4, 6.4)', () => {
  it('a SKU is billed this period only when some row counts it above 0: a row of 0 zeroes nobody (review defect 5)', async () => {
    const w = new World();
    const acme = w.agreement('ACME');
    const other = w.addition(acme, 'A1', 9);
    w.addition(acme, 'B2', 1);
    w.agreement('BETA');
    w.row('AC', 'ACME', 'B2', 1).row('BE', 'BETA', 'A1', 0, 0);
    const { entries } = await runWorld(w, { parameters: { RemovalScope: 'AllManagedSkus' } });
    expect(w.quantityOf(other)).toBe(9);
    expect(entriesWith(entries, 'CW07').filter((e) => e.sku === 'A1')).toHaveLength(0);
  });

  it('two live additions of a managed product the customer is not billed for: CW26, neither is zeroed', async () => {
    const w = new World();
    const acme = w.agreement('ACME');
    const first = w.addition(acme, 'A1', 2);
    const second = w.addition(acme, 'A1', 3);
    const billed = w.addition(acme, 'B2', 1);
    w.agreement('BETA');
    w.row('AC', 'ACME', 'B2', 1).row('BE', 'BETA', 'A1', 4);
    const { entries } = await runWorld(w, { parameters: { RemovalScope: 'AllManagedSkus' } });
    expect([w.quantityOf(first), w.quantityOf(second), w.quantityOf(billed)]).toEqual([2, 3, 1]);
    expect(only(entries, 'CW26')).toMatchObject({ customer: 'AC', sku: 'A1', data: { additionIds: [first, second] } });
  });

  it('a billed SKU missing from the catalog is reported (CW06) and the rest of the run goes on', async () => {
    const w = new World();
    const acme = w.agreement('ACME');
    const managed = w.addition(acme, 'C3', 6);
    w.agreement('BETA');
    w.row('AC', 'ACME', 'A1', 2).row('BE', 'BETA', 'ZZ99', 4).row('BE', 'BETA', 'C3', 1);
    const { result, entries } = await runWorld(w, { parameters: { RemovalScope: 'AllManagedSkus' } });
    expect(result.status).not.toBe('Failed');
    expect(entriesWith(entries, 'CW06').map((e) => e.sku)).toContain('ZZ99');
    // C3 is billed to BETA and not to ACME: ACME's addition is zeroed, the missing SKU notwithstanding.
    expect(w.quantityOf(managed)).toBe(0);
  });
});

describe('the end-of-run check (spec 6.8)', () => {
  it('re-reads every agreement it created on: a duplicate on the second agreement is found too (CW31)', async () => {
    const w = new World();
    w.agreement('ACME');
    w.agreement('BETA');
    w.row('AC', 'ACME', 'A1', 2).row('BE', 'BETA', 'B2', 3);
    const { entries } = await runWorld(w, {}, { connectWise: { faults: { doublePostApply: 1 } } });
    expect(
      entriesWith(entries, 'CW31')
        .map((e) => e.customer)
        .sort(),
    ).toEqual(['AC', 'BE']);
  });

  it('a verification read that fails is reported (CW10 naming the check) and does not fail the run', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    w.row('AC', 'ACME', 'A1', 2);
    const { result, entries } = await runWorld(
      w,
      {},
      // The first read of the agreement's additions (the plan) passes; the re-read after the create fails every time.
      { connectWise: { faults: { failRequests: [{ method: 'GET', path: /\/agreements\/\d+\/additions$/, status: 503, after: 1 }] } } },
    );
    expect(w.activeOn(agreement).map((a) => [a.product.identifier, a.quantity])).toEqual([['A1', 2]]);
    only(entries, 'CW08');
    expect(only(entries, 'CW10')).toMatchObject({
      customer: 'AC',
      data: { agreementId: agreement, verification: expect.stringContaining('not done') },
    });
    expect(result.status).toBe('CompletedWithErrors');
  });
});

describe('the run lock takeover (spec 6.8)', () => {
  it('of 20 acquisitions racing for a crashed holder’s lock in one process, exactly one wins', async () => {
    for (let trial = 0; trial < 5; trial++) {
      const dir = mkdtempSync(path.join(tmpdir(), 'cwm-lock-race-'));
      const lock = new FileRunLock(dir);
      const first = await lock.acquire({ companyName: 'Acme' }, { runId: 'crashed', jobName: 'j' });
      if (!first.acquired) throw new Error('the first acquisition must succeed');
      const [name] = readdirSync(dir);
      // The holder's process is gone: pid 2^22 exceeds Linux's pid_max.
      writeFileSync(
        path.join(dir, name!),
        JSON.stringify({ pid: 4194305, startTime: '1', hostname: hostname(), runId: 'crashed', jobName: 'j', since: '' }),
      );
      // Started a fraction of a millisecond apart: some find the lock stale while another is taking it over.
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          await new Promise((resolve) => setTimeout(resolve, (i % 10) * 0.7));
          return lock.acquire({ companyName: 'ACME' }, { runId: `r${i}`, jobName: 'j' });
        }),
      );
      expect(outcomes.filter((o) => o.acquired)).toHaveLength(1);
    }
  });

  it('a takeover re-checks, under its guard, that the lock is still the stale one it read: a newer holder keeps it', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'cwm-lock-recheck-')), 'company.lock');
    const stale = JSON.stringify({ pid: 4194305, startTime: '1', hostname: hostname() });
    // Between this process reading the stale lock and taking it over, another process took it over first.
    const newer = JSON.stringify({ pid: process.pid, startTime: null, hostname: hostname(), runId: 'newer' });
    writeFileSync(file, newer);
    expect(await takeOver(file, stale, JSON.stringify({ pid: process.pid, runId: 'late' }))).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(newer);
  });
});
