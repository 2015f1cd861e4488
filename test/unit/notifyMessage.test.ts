import type { LogEntry, PlanItem } from '../../src/host/api.js';
import { notificationFor, reasonsToNotify } from '../../scripts/host/notify/message.js';
import type { RunRecord } from '../../scripts/host/runRecords.js';

/** Which runs are worth a message (SPEC 14) and what it says: status, money, top warnings with fixes, the way to the run. */
const record = (over: Partial<RunRecord>): RunRecord => ({
  runId: 'r1',
  jobId: 'j1',
  jobName: 'Monthly',
  extensionVersion: '0.1.0',
  status: 'Success',
  startedAt: '2026-11-26T22:00:00Z',
  period: { startDate: '2026-10-26', endDate: '2026-11-25' },
  ...over,
});
const line = (over: Partial<PlanItem>): PlanItem => ({
  customer: 'AC',
  company: 'ACME',
  agreementId: 1,
  additionId: 1,
  sku: 'A1',
  before: 3,
  after: 5,
  action: 'update',
  outcome: 'applied',
  unitPrice: 10,
  amountBefore: 30,
  amountAfter: 50,
  amountChange: 20,
  currency: 'EUR',
  ...over,
});
const entry = (code: string, level: LogEntry['level'], customer?: string): LogEntry => ({
  timestamp: '2026-11-26T22:00:01Z',
  level,
  code,
  message: `${code} about ${customer ?? 'the run'}`,
  ...(customer ? { customer } : {}),
});

describe('notifications: when and what', () => {
  it('failed, errors, awaiting approval and new warnings notify; a routine run, and a dry run nobody waits on, do not', () => {
    expect(reasonsToNotify(record({ status: 'Success' }), 0)).toEqual([]);
    expect(reasonsToNotify(record({ status: 'CompletedWithWarnings' }), 0)).toEqual([]);
    expect(reasonsToNotify(record({ status: 'CompletedWithWarnings' }), 2)).toEqual(['new-warnings']);
    expect(reasonsToNotify(record({ status: 'Failed' }), 0)).toEqual(['failed']);
    expect(reasonsToNotify(record({ status: 'Interrupted' }), 0)).toEqual(['failed']);
    expect(reasonsToNotify(record({ status: 'CompletedWithErrors' }), 1)).toEqual(['errors', 'new-warnings']);
    expect(reasonsToNotify(record({ status: 'CompletedWithWarnings', dryRun: true }), 3)).toEqual([]);
    expect(reasonsToNotify(record({ status: 'AwaitingApproval', dryRun: true }), 3)).toEqual(['awaiting-approval', 'new-warnings']);
  });

  it('the message: status, period, money split, the top problems by code (errors first) with their fixes and which are new, and the link', () => {
    const log = [entry('CW04', 'Warning', 'AC'), entry('CW04', 'Warning', 'BE'), entry('CW10', 'Error', 'AC'), entry('CW23', 'Info')];
    const message = notificationFor(
      record({ status: 'CompletedWithErrors' }),
      [line({}), line({ sku: 'B2', before: 2, after: 0, action: 'zero', amountBefore: 20, amountAfter: 0, amountChange: -20 })],
      log,
      ['errors', 'new-warnings'],
      new Set(['CW04\u0000BE\u0000']),
      'https://billing.msp.example',
    );
    expect(message.subject).toBe('[Monthly] Run completed with errors, has new warnings');
    const lines = message.text.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'Monthly: run r1 completed with errors, has new warnings.',
      'Status: CompletedWithErrors',
      'Billing period: 2026-10-26 to 2026-11-25',
      'Monthly billing changed by +0.00 EUR (increases +20.00, decreases +0.00, new +0.00, zeroed -20.00)',
    ]);
    expect(message.text).toMatch(/- Error CW10 ×1: CW10 about AC\n {2}Fix: .+\n- Warning CW04 ×2 \(new\): CW04 about AC\n {2}Fix: .+/);
    expect(message.text).toContain('Open the run: https://billing.msp.example/#/runs/r1');
  });

  it("without the console's address, the command to see the run; awaiting approval says how to approve", () => {
    const message = notificationFor(
      record({ status: 'AwaitingApproval', dryRun: true }),
      [line({ outcome: 'planned' })],
      [],
      ['awaiting-approval'],
      new Set(),
      undefined,
    );
    expect(message.subject).toBe('[Monthly] Dry run awaits approval');
    expect(message.text).toContain('Status: Awaiting approval (1 change, nothing written yet)');
    expect(message.text).toContain('Monthly billing would change by +20.00 EUR');
    expect(message.text).toContain('See the run: npm run host -- runs log r1 --sort code');
    expect(message.text).toContain('npm run host -- runs approve r1 (or runs reject r1)');
  });
});
