import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { activeAdditionLines } from '../../scripts/sandbox/cwState.js';
import { startScenario, type Scenario } from '../support/harness.js';
import { host, hostWithSandboxJob, runRecords } from '../support/hostCli.js';

interface Record {
  runId: string;
  status: string;
  startedAt: string;
  dryRun?: boolean;
  trigger?: string;
  applies?: string;
  appliedBy?: string;
  reverts?: string;
  revertedBy?: string;
  approval?: { state: string; reviewStatus: string; by?: string };
}

/**
 * Issue 21 items 3, 4 and 7 through the reference host's command line: approval mode ends a
 * scheduled run AwaitingApproval with nothing written; reject closes it, a newer run supersedes it,
 * approve applies it; a run is reverted (dry run first); the runs link to each other both ways.
 */
describe("the administrator's month on the host's command line", () => {
  let scenario: Scenario;
  let home: string;
  let jobId: string;
  let dir: string;
  const records = (): Record[] => (runRecords(home) as Record[]).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const record = (runId: string): Record => records().find((r) => r.runId === runId)!;
  const writes = (): number => scenario.sandboxes.connectWise.counts().writes;
  const lines = (): string[] => activeAdditionLines(scenario.sandboxes.connectWise.state, scenario.dataset.period.startDate);

  beforeAll(async () => {
    scenario = await startScenario({ customers: 10, skusPerCustomer: 4, seed: 21 });
    dir = mkdtempSync(path.join(tmpdir(), 'cwm-month-'));
    ({ home, jobId } = await hostWithSandboxJob(dir, scenario, 'Monthly'));
    expect((await host(home, ['jobs', 'require-approval', jobId, 'on'])).stdout).toContain('scheduled runs now wait for approval');
  });
  afterAll(() => scenario.close());

  const scheduledRun = async (): Promise<Record> => {
    const before = new Set(records().map((r) => r.runId));
    expect((await host(home, ['scheduler', '--tick-ms', '50', '--exit-after-runs', '1'])).code).toBe(0);
    return records().find((r) => !before.has(r.runId))!;
  };

  it('approval mode: a scheduled run ends AwaitingApproval and writes nothing; reject closes it; a newer run supersedes one', async () => {
    const original = lines();
    const first = await scheduledRun();
    expect(first).toMatchObject({ status: 'AwaitingApproval', dryRun: true, trigger: 'schedule', approval: { state: 'awaiting' } });
    expect(writes()).toBe(0);
    const awaiting = await host(home, ['runs', 'awaiting']);
    expect(awaiting.stdout).toMatch(
      new RegExp(`${first.runId}  Monthly \\(${jobId}\\)  period ${scenario.dataset.period.endDate}  changes [1-9]`),
    );
    expect((await host(home, ['jobs', 'list'])).stdout).toContain(`last AwaitingApproval (dry run run ${first.runId})`);

    const rejected = await host(home, ['runs', 'reject', first.runId]);
    expect([rejected.code, rejected.stdout]).toEqual([0, `Run ${first.runId} rejected: nothing was written\n`]);
    const reviewStatus = first.approval!.reviewStatus;
    expect(['Success', 'CompletedWithWarnings']).toContain(reviewStatus);
    expect(record(first.runId)).toMatchObject({ status: reviewStatus, approval: { state: 'rejected', reviewStatus } });
    const late = await host(home, ['runs', 'approve', first.runId]);
    expect([late.code, late.stderr]).toEqual([64, expect.stringContaining(`run ${first.runId} is not awaiting approval (rejected)`)]);

    const second = await scheduledRun();
    expect(second.status).toBe('AwaitingApproval');
    // Approved once the job has moved to another period: the plan is refused (CW39), nothing written, and it still waits.
    const params = path.join(dir, 'p.json');
    const saved = readFileSync(params, 'utf8');
    writeFileSync(params, JSON.stringify({ ...JSON.parse(saved), BillingPeriod: 'Current' }));
    expect((await host(home, ['jobs', 'edit', jobId, '--parameters', params])).code).toBe(0);
    const refused = await host(home, ['runs', 'approve', second.runId]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(
      new RegExp(`CW39 +The plan from run ${second.runId} was refused: it was made for the billing period ending`),
    );
    expect(record(second.runId)).toMatchObject({ status: 'AwaitingApproval', approval: { state: 'awaiting' } });
    expect(writes()).toBe(0);
    writeFileSync(params, saved);
    expect((await host(home, ['jobs', 'edit', jobId, '--parameters', params])).code).toBe(0);
    const newer = await host(home, ['jobs', 'run', jobId, '--dry-run']);
    expect(newer.code).toBe(0);
    const newerId = /Dry run (\S+):/.exec(newer.stdout)![1]!;
    expect(record(second.runId)).toMatchObject({ status: reviewStatus, approval: { state: 'superseded', by: newerId } });
    const stale = await host(home, ['runs', 'apply', second.runId]);
    expect([stale.code, stale.stderr]).toEqual([64, expect.stringContaining(`was superseded by run ${newerId}`)]);
    expect(writes()).toBe(0);
    expect(lines()).toEqual(original);
  });

  it('approve applies the plan as reviewed (one apply only); revert puts it back, a dry run of the revert first; the runs name each other', async () => {
    const original = lines();
    const awaiting = await scheduledRun();
    expect(awaiting.status).toBe('AwaitingApproval');
    const approve = await host(home, ['runs', 'approve', awaiting.runId]);
    expect(approve.code).toBe(0);
    const applyId = /Run (\S+) \(applying the plan of run /.exec(approve.stdout)![1]!;
    expect(lines()).toEqual(scenario.dataset.expected);
    expect(record(applyId)).toMatchObject({ trigger: 'approval', applies: awaiting.runId, status: 'Success' });
    expect(record(awaiting.runId)).toMatchObject({ appliedBy: applyId, approval: { state: 'approved', by: applyId } });
    const twice = await host(home, ['runs', 'apply', awaiting.runId]);
    expect([twice.code, twice.stderr]).toEqual([64, expect.stringContaining(`was already applied by run ${applyId} (Success)`)]);

    // The applied run's plan file is the document cwm-billing revert reads.
    const document = JSON.parse((await host(home, ['runs', 'plan', applyId, '--format', 'json'])).stdout) as {
      format: string;
      dryRun: boolean;
    };
    expect(document).toMatchObject({ format: 'cwm-billing-plan/1', dryRun: false });

    const writesBefore = writes();
    const preview = await host(home, ['runs', 'revert', applyId, '--dry-run']);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/Dry run \S+ \(reverting run /);
    expect(writes()).toBe(writesBefore);
    expect(record(applyId).revertedBy).toBeUndefined();

    const revert = await host(home, ['runs', 'revert', applyId]);
    expect(revert.code).toBe(0);
    const revertId = /Run (\S+) \(reverting run /.exec(revert.stdout)![1]!;
    const after = lines();
    expect(original.filter((line) => !after.includes(line))).toEqual([]);
    expect(after.filter((line) => !original.includes(line)).every((line) => line.endsWith('=0.00'))).toBe(true);
    expect(record(revertId)).toMatchObject({ trigger: 'revert', reverts: applyId });
    expect(record(applyId).revertedBy).toBe(revertId);
    const again = await host(home, ['runs', 'revert', applyId]);
    expect([again.code, again.stderr]).toEqual([64, expect.stringContaining(`was already reverted by run ${revertId}`)]);
    const history = (await host(home, ['runs', 'list', jobId])).stdout;
    expect(history).toMatch(new RegExp(`${revertId}  Success  period \\S+  revert`));
    expect(readFileSync(path.join(home, 'runs', `${revertId}.jsonl`), 'utf8')).toContain(`"revert":"run ${applyId}"`);
  });
});
