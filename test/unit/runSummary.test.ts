import { describeMoney, moneyFigures, summarizeRun } from '../../src/task/runSummary.js';
import type { PlanItem } from '../../src/host/api.js';

const item = (action: PlanItem['action'], outcome: PlanItem['outcome']): PlanItem => ({
  customer: 'C',
  company: 'X',
  agreementId: 1,
  additionId: 2,
  sku: 'A1',
  before: 1,
  after: 2,
  action,
  outcome,
});

describe('the one line a run ends with (jobs run, the scheduler)', () => {
  it('says what was written, what was only planned, what failed and what was skipped, by reason', () => {
    const plan = [
      item('update', 'applied'),
      item('update', 'applied'),
      item('zero', 'applied'),
      item('create', 'planned'),
      item('update', 'failed'),
    ];
    expect(summarizeRun({ status: 'CompletedWithErrors', counts: { CW06: 3, CW14: 1, CW10: 1, CW23: 1 }, plan })).toBe(
      'CompletedWithErrors: 2 updated, 1 zeroed, 0 created; 3 written, 1 planned but not written, 1 failed; ' +
        "skipped: 1 CW14 customer or agreement doesn't exist in connectwise, 3 CW06 product doesn't exist in connectwise; " +
        'errors: CW10 Error on retrieving or updating an agreement addition',
    );
  });

  it('names the coded errors a failed run ended on', () => {
    expect(summarizeRun({ status: 'Failed', counts: { CW27: 1, CW23: 1 }, plan: [item('zero', 'planned')] })).toBe(
      'Failed: 0 updated, 0 zeroed, 0 created; 0 written, 1 planned but not written, 0 failed; failed: CW27 Safety guard stopped the writes',
    );
  });
});

describe('the money of a run (moneyFigures, describeMoney)', () => {
  const priced = (
    customer: string,
    action: PlanItem['action'],
    outcome: PlanItem['outcome'],
    amountChange: number | undefined,
    currency?: string,
  ): PlanItem => ({
    ...item(action, outcome),
    customer,
    ...(amountChange === undefined ? {} : { unitPrice: 1, amountBefore: 0, amountAfter: 0, amountChange }),
    ...(currency ? { currency } : {}),
  });

  it('a dry run counts its planned lines only (a failed one is no change); an unchanged update is neither up nor down', () => {
    const m = moneyFigures([
      priced('A', 'update', 'planned', 10, 'EUR'),
      priced('A', 'update', 'planned', 0, 'EUR'),
      priced('B', 'update', 'planned', -4, 'EUR'),
      priced('B', 'zero', 'planned', -3, 'EUR'),
      priced('C', 'create', 'planned', 2, 'EUR'),
      priced('C', 'update', 'failed', 100, 'EUR'),
      priced('D', 'update', 'planned', undefined),
      priced('D', 'update', 'planned', undefined),
    ]);
    expect(m).toEqual({
      basis: 'planned',
      currency: 'EUR',
      change: 5,
      increases: 10,
      decreases: -4,
      created: 2,
      zeroed: -3,
      priced: 5,
      unpriced: 2,
      byCustomer: [
        { customer: 'A', change: 10 },
        { customer: 'B', change: -7 },
        { customer: 'C', change: 2 },
      ],
    });
    expect(describeMoney(m)).toBe(
      'monthly billing would change by +5.00 EUR (+10.00 up, -4.00 down, +2.00 new, -3.00 zeroed, 2 lines without a price not counted)',
    );
  });

  it('customers with the same change are listed by code; a line without a currency does not make the run "mixed"', () => {
    const m = moneyFigures([
      priced('B', 'update', 'applied', -5),
      priced('A', 'update', 'applied', 5, 'USD'),
      priced('C', 'update', 'applied', 1),
    ]);
    expect([m.currency, m.byCustomer.map((c) => c.customer)]).toEqual(['USD', ['A', 'B', 'C']]);
    expect(moneyFigures([priced('A', 'update', 'applied', 1, 'USD'), priced('B', 'update', 'applied', 1, 'EUR')]).currency).toBe('mixed');
    expect(moneyFigures([priced('A', 'update', 'applied', 1)]).currency).toBeUndefined();
  });
});

describe('the one line of a run that ended well, or with several errors', () => {
  it('counts created lines in what was written, names no errors on success, and joins several errors', () => {
    const plan = [item('create', 'applied'), item('update', 'applied')];
    expect(summarizeRun({ status: 'Success', counts: { CW08: 1, CW07: 1, CW23: 1 }, plan })).toBe(
      'Success: 1 updated, 0 zeroed, 1 created; 2 written, 0 planned but not written, 0 failed',
    );
    expect(summarizeRun({ status: 'CompletedWithErrors', counts: { CW12: 1, CW10: 2, CW23: 1 }, plan })).toMatch(
      /; errors: CW10 [^;]+; CW12 [^;]+$/,
    );
    expect(summarizeRun({ status: 'Failed', counts: { CW23: 1 }, plan: [] })).toMatch(/; failed: see the log$/);
  });
});
