import type { PlanItem, PlanToWrite } from '../../src/host/api.js';
import { startSandboxes, type Sandboxes } from '../../scripts/sandbox/sandboxes.js';
import { runTask, TEST_NOW, type RunOptions } from '../support/harness.js';
import { World } from '../support/world.js';

/**
 * Issue 21 items 3 and 7 (SPEC 14): a reviewed dry run's plan is applied exactly as reviewed, a run
 * is reverted to its before-values; either way a line someone changed since is left alone (CW38).
 * Over HTTP against the ConnectWise sandbox, whose state the test changes between the runs as a
 * person in ConnectWise would.
 */
function monthWorld() {
  const w = new World();
  const agreement = w.agreement('ACME');
  const ids = {
    A1: w.addition(agreement, 'A1', 3, { unitPrice: 10 }),
    C3: w.addition(agreement, 'C3', 2, { unitPrice: 12 }),
    E5: w.addition(agreement, 'E5', 4, { unitPrice: 14 }),
  };
  // A1 3 → 5, B2 created with 2, C3 2 → 0 (removed), E5 4 → 6.
  w.row('AC', 'ACME', 'A1', 5, 3).row('AC', 'ACME', 'B2', 2, 0).row('AC', 'ACME', 'C3', 0, 2).row('AC', 'ACME', 'E5', 6, 4);
  return { w, agreement, ids };
}

let sandboxes: Sandboxes | undefined;
afterEach(async () => {
  await sandboxes?.close();
  sandboxes = undefined;
});

async function start(w: World) {
  const dataset = w.dataset();
  sandboxes = await startSandboxes(dataset);
  const sb = sandboxes;
  return {
    run: async (options: RunOptions = {}) => {
      const writesBefore = sb.connectWise.counts().writes;
      const outcome = await runTask(sb, dataset, options);
      return { ...outcome, writes: sb.connectWise.counts().writes - writesBefore };
    },
  };
}

const planOf = (purpose: PlanToWrite['purpose'], items: PlanItem[], extra: Partial<PlanToWrite> = {}): PlanToWrite => ({
  purpose,
  source: 'run under test',
  period: { startDate: '2026-10-26', endDate: '2026-11-25' },
  createdAt: TEST_NOW.toISOString(),
  items,
  ...extra,
});

const codes = (entries: { code: string }[]) => entries.map((e) => e.code);

describe('apply a reviewed plan', () => {
  it('writes exactly what was reviewed (not what Atria says today); a line changed after the review is not written (CW38); a second apply writes nothing', async () => {
    const { w, agreement, ids } = monthWorld();
    const world = await start(w);
    const review = await world.run({ parameters: { DryRun: true } });
    expect(review.writes).toBe(0);
    expect(review.result.period).toEqual({ startDate: w.period.startDate, endDate: w.period.endDate });
    expect(review.result.plan.map((p) => [p.sku, p.action, p.outcome])).toEqual(
      expect.arrayContaining([
        ['A1', 'update', 'planned'],
        ['B2', 'create', 'planned'],
        ['C3', 'zero', 'planned'],
        ['E5', 'update', 'planned'],
      ]),
    );

    // After the review: someone sets E5 to 9 in ConnectWise, and Atria's A1 count moves to 7.
    w.state.additions.find((a) => a.id === ids.E5)!.quantity = 9;
    w.rows.find((r) => r.productSku === 'A1')!.thisMonthCount = 7;

    const plan = planOf('apply', review.result.plan, { period: review.result.period! });
    const applied = await world.run({ planToWrite: plan });
    expect(applied.result.status).toBe('CompletedWithWarnings');
    expect(w.quantityOf(ids.A1)).toBe(5);
    expect(w.quantityOf(ids.C3)).toBe(0);
    expect(w.quantityOf(ids.E5)).toBe(9);
    const created = w.activeOn(agreement).filter((a) => a.product.identifier === 'B2');
    expect(created.map((a) => a.quantity)).toEqual([2]);
    expect(applied.writes).toBe(3);
    const drift = applied.entries.filter((e) => e.code === 'CW38');
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ level: 'Warning', customer: 'AC', sku: 'E5' });
    expect(drift[0]!.message).toContain('the reviewed value was 4.00, ConnectWise now holds 9.00 on addition');
    // The applied run's plan: the three lines written, the created one with its new id, money from today's unit price.
    expect(applied.result.plan.map((p) => [p.sku, p.outcome])).toEqual([
      ['A1', 'applied'],
      ['B2', 'applied'],
      ['C3', 'applied'],
    ]);
    expect(applied.result.plan.find((p) => p.sku === 'B2')!.additionId).toBe(created[0]!.id);
    expect(applied.result.plan.find((p) => p.sku === 'A1')).toMatchObject({ before: 3, after: 5, amountChange: 20 });

    const again = await world.run({ planToWrite: plan });
    expect(again.writes).toBe(0);
    expect(again.result.plan).toEqual([]);
    expect(codes(again.entries).filter((c) => c === 'CW09' || c === 'CW38')).toHaveLength(4);
    expect(w.activeOn(agreement).filter((a) => a.product.identifier === 'B2')).toHaveLength(1);
  });

  it('a plan for another period, or older than PlanMaxAgeDays, is refused before anything is read or written (CW39)', async () => {
    const { w, ids } = monthWorld();
    const world = await start(w);
    const review = await world.run({ parameters: { DryRun: true } });
    const period = review.result.period!;
    const eightDaysBefore = new Date(TEST_NOW.getTime() - 8 * 86_400_000).toISOString();
    for (const [plan, reason] of [
      [
        planOf('apply', review.result.plan, { period: { startDate: '2026-09-26', endDate: '2026-10-25' } }),
        'made for the billing period ending 2026-10-25',
      ],
      [planOf('apply', review.result.plan, { period, createdAt: eightDaysBefore }), '8 days ago, more than PlanMaxAgeDays (7)'],
    ] as const) {
      const refused = await world.run({ planToWrite: plan });
      expect(refused.result.status).toBe('Failed');
      expect(refused.writes).toBe(0);
      const cw39 = refused.entries.find((e) => e.code === 'CW39')!;
      expect(cw39.message).toContain(reason);
      expect(cw39.message).toContain('Nothing was written');
      expect(w.quantityOf(ids.A1)).toBe(3);
    }
    const allowed = await world.run({
      planToWrite: planOf('apply', review.result.plan, { period, createdAt: eightDaysBefore }),
      parameters: { PlanMaxAgeDays: 10 },
    });
    expect(allowed.result.status).toBe('Success');
    expect(w.quantityOf(ids.A1)).toBe(5);
  });

  it('the age is read to the day: a plan exactly PlanMaxAgeDays old is applied; one whose time cannot be read is refused; the CW39 text gives the day', async () => {
    const { w, ids } = monthWorld();
    const world = await start(w);
    const review = await world.run({ parameters: { DryRun: true } });
    const period = review.result.period!;
    const unreadable = await world.run({ planToWrite: planOf('apply', review.result.plan, { period, createdAt: 'last Tuesday' }) });
    expect([unreadable.result.status, unreadable.writes]).toEqual(['Failed', 0]);
    expect(unreadable.entries.find((e) => e.code === 'CW39')!.message).toContain('the time it was made (last Tuesday) cannot be read');
    const eightDays = await world.run({
      planToWrite: planOf('apply', review.result.plan, { period, createdAt: new Date(TEST_NOW.getTime() - 8 * 86_400_000).toISOString() }),
    });
    expect(eightDays.entries.find((e) => e.code === 'CW39')!.message).toContain('it was made on 2026-11-18, 8 days ago');
    const applied = await world.run({
      planToWrite: planOf('apply', review.result.plan, { period, createdAt: new Date(TEST_NOW.getTime() - 7 * 86_400_000).toISOString() }),
    });
    expect([applied.result.status, applied.result.period]).toEqual(['Success', period]);
    expect(applied.entries[0]!.data).toEqual({ apply: 'run under test' });
    expect(w.quantityOf(ids.A1)).toBe(5);
  });
});

describe('revert a run made in an earlier period', () => {
  it('is not refused for its age or period (a revert undoes what was written, whenever): the run reports the reverted period', async () => {
    const { w, ids } = monthWorld();
    const world = await start(w);
    const done = await world.run();
    expect(w.quantityOf(ids.A1)).toBe(5);
    const earlier = { startDate: '2026-09-26', endDate: '2026-10-25' };
    const reverted = await world.run({
      planToWrite: planOf('revert', done.result.plan, { period: earlier, createdAt: '2026-10-26T22:00:00.000Z' }),
    });
    expect(reverted.result.status).not.toBe('Failed');
    expect(reverted.result.period).toEqual(earlier);
    expect(reverted.entries[0]!.data).toEqual({ revert: 'run under test' });
    expect(w.quantityOf(ids.A1)).toBe(3);
  });
});

describe('revert a run', () => {
  it('restores exactly the before-values; a created addition goes to 0 (not deleted); a line someone changed since is left alone; a dry run of it first writes nothing', async () => {
    const { w, agreement, ids } = monthWorld();
    const world = await start(w);
    const month = await world.run();
    expect(month.writes).toBe(4);
    const createdId = month.result.plan.find((p) => p.sku === 'B2')!.additionId!;
    expect(w.quantityOf(createdId)).toBe(2);
    // Someone corrects E5 by hand after the run.
    w.state.additions.find((a) => a.id === ids.E5)!.quantity = 8;

    const plan = planOf('revert', month.result.plan, { period: month.result.period! });
    const preview = await world.run({ planToWrite: plan, parameters: { DryRun: true } });
    expect(preview.writes).toBe(0);
    expect(preview.result.plan.map((p) => [p.sku, p.before, p.after, p.outcome])).toEqual([
      ['A1', 5, 3, 'planned'],
      ['B2', 2, 0, 'planned'],
      ['C3', 0, 2, 'planned'],
    ]);
    expect(preview.entries.filter((e) => e.code === 'CW07' || e.code === 'CW20').every((e) => e.message.startsWith('[DryRun] '))).toBe(
      true,
    );

    const reverted = await world.run({ planToWrite: plan });
    expect(reverted.result.status).toBe('CompletedWithWarnings');
    expect(reverted.writes).toBe(3);
    expect(w.quantityOf(ids.A1)).toBe(3);
    expect(w.quantityOf(ids.C3)).toBe(2);
    expect(w.quantityOf(createdId)).toBe(0);
    expect(w.state.additions.filter((a) => a.agreementId === agreement && a.product.identifier === 'B2')).toHaveLength(1);
    expect(w.quantityOf(ids.E5)).toBe(8);
    const drift = reverted.entries.find((e) => e.code === 'CW38')!;
    expect(drift).toMatchObject({ sku: 'E5' });
    expect(drift.message).toContain("the run's value was 6.00, ConnectWise now holds 8.00");
    // Money of the revert: the month's increase comes back off.
    expect(reverted.result.plan.find((p) => p.sku === 'A1')).toMatchObject({ amountBefore: 50, amountAfter: 30, amountChange: -20 });
  });
});
