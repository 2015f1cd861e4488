import { summarizeRun } from '../../src/task/runSummary.js';
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
