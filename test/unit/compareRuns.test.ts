import type { LogEntry, PlanItem } from '../../src/host/api.js';
import { compareRuns, previousRunOf } from '../../scripts/host/compareRuns.js';
import type { RunRecord } from '../../scripts/host/runner.js';

const record = (runId: string, startedAt: string, extra: Partial<RunRecord> = {}): RunRecord => ({
  runId,
  jobId: 'job',
  jobName: 'Billing',
  extensionVersion: '0.1.0',
  status: 'Success',
  startedAt,
  ...extra,
});
const line = (
  customer: string,
  before: number | null,
  after: number,
  amountChange: number,
  outcome: PlanItem['outcome'] = 'applied',
): PlanItem => ({
  customer,
  customerName: `${customer} Ltd`,
  company: customer,
  agreementId: 1,
  additionId: before === null ? null : 1,
  sku: 'A1',
  before,
  after,
  action: before === null ? 'create' : after === 0 ? 'zero' : 'update',
  outcome,
  amountChange,
  currency: 'USD',
});
const warning = (code: string, customer: string): LogEntry => ({
  timestamp: 't',
  level: 'Warning',
  code,
  message: `${code} for ${customer}`,
  customer,
});

/** Issue 21 item 6: a run beside the job's previous run that wrote. */
describe('compare with the previous run', () => {
  it("the previous run is the job's latest earlier run that wrote and finished: not a dry run, not another job's, not a later one", () => {
    const current = record('r4', '2026-11-26T22:00:00Z');
    const runs = [
      record('r1', '2026-09-26T22:00:00Z'),
      record('r2', '2026-10-26T22:00:00Z'),
      record('r3', '2026-11-20T10:00:00Z', { dryRun: true }),
      record('r5', '2026-10-30T10:00:00Z', { jobId: 'other' }),
      record('r6', '2026-11-25T10:00:00Z', { status: 'Running' }),
      record('r7', '2026-12-26T22:00:00Z'),
      current,
    ];
    expect(previousRunOf(current, runs)?.runId).toBe('r2');
    expect(previousRunOf(record('r0', '2026-01-01T00:00:00Z'), runs)).toBeUndefined();
  });

  it('per customer: lines, units and money of each run (failed lines left out), largest change first; warnings new, recurring or resolved', () => {
    const comparison = compareRuns(
      {
        plan: [line('AC', 3, 5, 20), line('BE', null, 2, 9), line('BE', 4, 0, -40), line('CX', 1, 9, 80, 'failed')],
        log: [warning('CW04', 'AC'), warning('CW06', 'BE'), warning('CW06', 'BE')],
      },
      {
        record: record('r1', '2026-10-26T22:00:00Z', { period: { startDate: '2026-09-26', endDate: '2026-10-25' } }),
        plan: [line('AC', 2, 3, 10)],
        log: [warning('CW04', 'AC'), warning('CW14', 'DD')],
      },
    );
    expect(comparison.previous).toMatchObject({ runId: 'r1', period: { endDate: '2026-10-25' } });
    expect(comparison.customers).toEqual([
      { customer: 'BE', customerName: 'BE Ltd', current: { lines: 2, units: -2, money: -31 }, previous: { lines: 0, units: 0, money: 0 } },
      { customer: 'AC', customerName: 'AC Ltd', current: { lines: 1, units: 2, money: 20 }, previous: { lines: 1, units: 1, money: 10 } },
    ]);
    expect(comparison.warnings.map((w) => [w.code, w.customer, w.state])).toEqual([
      ['CW04', 'AC', 'recurring'],
      ['CW06', 'BE', 'new'],
      ['CW14', 'DD', 'resolved'],
    ]);
    expect(comparison.currency).toBe('USD');
  });

  it('no previous run: nothing to compare with, every warning new', () => {
    const comparison = compareRuns({ plan: [], log: [warning('CW04', 'AC')] }, undefined);
    expect(comparison.previous).toBeNull();
    expect(comparison.warnings.map((w) => w.state)).toEqual(['new']);
  });
});
