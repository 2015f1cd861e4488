import type { PlanItem, PlanToWrite, RunStatus } from '../../src/host/api.js';
import { PLAN_FORMAT, planProblem, type PlanDocument } from '../../src/index.js';
import { UsageError } from './errors.js';
import type { Job, JobStore } from './jobs.js';
import type { HostPaths } from './paths.js';
import { listRuns, lockJob, readRunPlan, readRunRecord, updateRunRecord, type RunRecord } from './runRecords.js';

export type WritePurpose = PlanToWrite['purpose'];

/** Statuses of a run that ended as it should have: a plan of one is whole; an apply or revert that did is done. */
const FINISHED: readonly string[] = ['Success', 'CompletedWithWarnings', 'CompletedWithErrors', 'AwaitingApproval'];

const isDone = (paths: HostPaths, runId: string | undefined): RunRecord | undefined => {
  const run = runId ? readRunRecord(paths, runId) : undefined;
  return run && (FINISHED.includes(run.status) || run.status === 'Running') ? run : undefined;
};

/**
 * The plan of an earlier run of this job to write (apply: a dry run's plan as reviewed; revert: a
 * run's applied lines back to their before-values), or a UsageError saying why not: another job's
 * run, a run still going, a plan already applied or a run already reverted, one rejected or superseded.
 * Read inside the job's lock, so two applies of one plan cannot both pass.
 */
export function planFromRun(paths: HostPaths, job: Job, sourceRunId: string, purpose: WritePurpose): PlanToWrite {
  const source = readRunRecord(paths, sourceRunId);
  if (!source) throw new UsageError(`no run ${sourceRunId}; see runs list ${job.id}`);
  if (source.jobId !== job.id) throw new UsageError(`run ${sourceRunId} is a run of another job (${source.jobName})`);
  if (source.status === 'Running') throw new UsageError(`run ${sourceRunId} is still running`);
  const problem = planProblem({ dryRun: source.dryRun === true, status: source.status as RunStatus, period: source.period }, purpose);
  if (problem) throw new UsageError(`run ${sourceRunId} cannot be used for ${purpose}: ${problem}`);
  if (purpose === 'apply') {
    if (source.approval?.state === 'rejected') throw new UsageError(`run ${sourceRunId} was rejected: make a new dry run`);
    if (source.approval?.state === 'superseded')
      throw new UsageError(`run ${sourceRunId} was superseded by run ${source.approval.by}: review and apply that one`);
    const applied = isDone(paths, source.appliedBy);
    if (applied) throw new UsageError(`the plan of run ${sourceRunId} was already applied by run ${applied.runId} (${applied.status})`);
  } else {
    const reverted = isDone(paths, source.revertedBy);
    if (reverted) throw new UsageError(`run ${sourceRunId} was already reverted by run ${reverted.runId} (${reverted.status})`);
  }
  const items = readRunPlan(paths, sourceRunId);
  return { purpose, source: `run ${sourceRunId}`, period: source.period!, createdAt: source.startedAt, items };
}

/** A run's plan as the plan file `cwm-billing apply` and `revert` read. */
export const planDocumentOf = (record: RunRecord, items: PlanItem[]): PlanDocument => ({
  format: PLAN_FORMAT,
  runId: record.runId,
  job: record.jobName,
  dryRun: record.dryRun === true,
  status: record.status === 'Running' || record.status === 'Interrupted' ? 'Failed' : record.status,
  ...(record.period ? { period: record.period } : {}),
  createdAt: record.startedAt,
  items,
});

/**
 * The link from a plan's run to the run that applied or reverted it, and (approval) the decision. An
 * apply that failed or was cancelled (a plan refused as too old, a lost connection) leaves a run
 * awaiting approval still awaiting: it can be approved again, or rejected.
 */
export function linkSource(paths: HostPaths, store: JobStore, sourceRunId: string, purpose: WritePurpose, by: RunRecord): void {
  const source = updateRunRecord(paths, sourceRunId, (record) => {
    const linked: RunRecord = purpose === 'apply' ? { ...record, appliedBy: by.runId } : { ...record, revertedBy: by.runId };
    const went = FINISHED.includes(by.status);
    return record.approval?.state === 'awaiting' && went ? decide(linked, 'approved', by.runId) : linked;
  });
  if (source) syncLastRun(store, source);
}

/** An awaiting run, decided: its status goes back to what its dry run ended with. */
export function decide(record: RunRecord, state: 'approved' | 'rejected' | 'superseded', by?: string): RunRecord {
  const reviewStatus = record.approval?.reviewStatus ?? 'Success';
  return { ...record, status: reviewStatus, approval: { state, reviewStatus, decidedAt: new Date().toISOString(), ...(by ? { by } : {}) } };
}

/** A newer run of the job supersedes its runs awaiting approval (except the one it applies). */
export function supersedeAwaiting(paths: HostPaths, store: JobStore, jobId: string, newer: string, except?: string): void {
  for (const record of listRuns(paths, () => undefined)) {
    if (record.jobId !== jobId || record.status !== 'AwaitingApproval' || record.runId === except || record.runId === newer) continue;
    syncLastRun(
      store,
      updateRunRecord(paths, record.runId, (r) => decide(r, 'superseded', newer))!,
    );
  }
}

/** Reject: the awaiting run is closed, nothing written (under its job's lock, as every change to a job's runs). */
export async function rejectRun(paths: HostPaths, store: JobStore, runId: string): Promise<RunRecord> {
  const known = readRunRecord(paths, runId);
  if (!known) throw new UsageError(`no run ${runId}`);
  const release = await lockJob(paths, known.jobId);
  try {
    const record = readRunRecord(paths, runId)!;
    if (record.status !== 'AwaitingApproval')
      throw new UsageError(
        `run ${runId} is not awaiting approval (${record.approval ? `it was ${record.approval.state}` : record.status})`,
      );
    const rejected = updateRunRecord(paths, runId, (r) => decide(r, 'rejected'))!;
    syncLastRun(store, rejected);
    return rejected;
  } finally {
    await release();
  }
}

/** The job's last run says what its record now says, when it is that run. */
function syncLastRun(store: JobStore, record: RunRecord): void {
  if (!store.exists(record.jobId)) return;
  store.update(record.jobId, (job) => {
    if (job.lastRun?.runId === record.runId) job.lastRun = { ...job.lastRun, status: record.status };
  });
}
