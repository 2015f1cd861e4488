import { DamagedFileError, DiskFullError, KeyFileError, UsageError } from './errors.js';
import { dropReserve, RunJournal } from './runJournal.js';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { AtriaConnection, LogEntry, PlanItem, PlanToWrite, TaskResult } from '../../src/host/api.js';
import { readJson, writeJsonAtomic } from './atomicFile.js';
import type { LoadedTaskType } from './extensions.js';
import type { Job, JobStore } from './jobs.js';
import type { HostPaths } from './paths.js';
import { ATRIA_TOKEN_BINDING, jobSecretsBinding, loadKey, open } from './secretBox.js';
import { catalogEntry, isNoSpace, isStale, thisProcess, type ProcessIdentity } from '../../src/index.js';
import { HOST_CONFIG_SHAPE } from './stateShapes.js';
import { linkSource, planFromRun, supersedeAwaiting, type WritePurpose } from './planRuns.js';
import { notifyAfterRun } from './notify/notifyRun.js';
import { listRuns, lockJob, planFile, readRunPlan, type RunRecord, type RunTrigger } from './runRecords.js';

export * from './runRecords.js';

/** The host's own Atria connection: `config set`, or HOST_ATRIA_URL / HOST_ATRIA_TOKEN. */
export function atriaConnection(paths: HostPaths): AtriaConnection {
  const config = readJson(paths.configFile, HOST_CONFIG_SHAPE) ?? {};
  const token =
    process.env.HOST_ATRIA_TOKEN ?? (config.atriaToken ? open(loadKey(paths, 'read'), config.atriaToken, ATRIA_TOKEN_BINDING) : '');
  return { baseUrl: process.env.HOST_ATRIA_URL ?? config.atriaUrl ?? '', token };
}

/** The billing period a task reports beside its result (ours does; host API v1 does not require it). */
function periodOf(result: TaskResult): Pick<RunRecord, 'period'> {
  const period = (result as { period?: unknown }).period as { startDate?: unknown; endDate?: unknown } | undefined;
  return typeof period?.startDate === 'string' && typeof period.endDate === 'string'
    ? { period: { startDate: period.startDate, endDate: period.endDate } }
    : {};
}

const isParameterObject = (parameters: unknown): parameters is Record<string, unknown> =>
  typeof parameters === 'object' && parameters !== null && !Array.isArray(parameters);

/** A job whose own parameters ask for a dry run (the task's DryRun parameter). */
export const isDryRun = (parameters: unknown): boolean => isParameterObject(parameters) && parameters.DryRun === true;

/** HOST_RUN_RESERVE_KIB: the room each run sets aside for its last entries, plan and record (default 512 KiB). */
const reserveBytes = (): number | undefined => Number(process.env.HOST_RUN_RESERVE_KIB) * 1024 || undefined;

/** A holder (pid, start time, host) that is certainly gone; a pid alone could have been reused. */
const holderGone = (holder: ProcessIdentity | undefined): boolean => holder === undefined || isStale(holder);

/** Runs a job through host API v1: decrypts its secrets, streams its log to the run's file, records the result. */
export async function runJob(
  paths: HostPaths,
  store: JobStore,
  job: Job,
  loaded: LoadedTaskType,
  options: {
    signal?: AbortSignal;
    onEntry?: (entry: LogEntry) => void;
    onStart?: (record: RunRecord) => void;
    /** Where the host says what its files could not hold (a full disk); default stderr. */
    warn?: (line: string) => void;
    /** Plan only: the task gets DryRun true, whatever the job's parameters say. */
    dryRun?: boolean;
    trigger?: RunTrigger;
    /** Write an earlier run's plan instead of deciding one: apply a dry run's, or revert a run's. */
    write?: { purpose: WritePurpose; runId: string };
    /** Approval mode: a dry run whose plan, when it has changes, waits for Approve or Reject. */
    awaitApproval?: boolean;
  } = {},
): Promise<RunRecord & { result: TaskResult }> {
  const dryRun = options.dryRun === true || options.awaitApproval === true || isDryRun(job.parameters);
  // The dry-run marker, on the run record and on the job's last run alike.
  const marker = dryRun ? { dryRun } : {};
  const asksDryRun = options.dryRun === true || options.awaitApproval === true;
  if (asksDryRun && !isParameterObject(job.parameters))
    throw new UsageError(`the parameters of job ${job.id} are not a JSON object, so no dry run can be asked of them: edit the job first`);
  const parameters = asksDryRun ? { ...(job.parameters as object), DryRun: true } : job.parameters;
  const release = await lockJob(paths, job.id);
  let planToWrite: PlanToWrite | undefined;
  try {
    planToWrite = options.write && planFromRun(paths, job, options.write.runId, options.write.purpose);
  } catch (error) {
    await release();
    throw error;
  }
  const runId = `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
  let journal: RunJournal;
  try {
    journal = RunJournal.open(paths, runId, options.warn ?? ((line) => process.stderr.write(line + '\n')), {
      reserveBytes: reserveBytes(),
    });
  } catch (error) {
    await release();
    throw error;
  }
  const record: RunRecord = {
    runId,
    jobId: job.id,
    jobName: job.name,
    extensionVersion: loaded.extension.version,
    status: 'Running',
    startedAt: new Date().toISOString(),
    holder: thisProcess(),
    ...marker,
    ...(options.trigger ? { trigger: options.trigger } : {}),
    ...(options.write ? { [options.write.purpose === 'apply' ? 'applies' : 'reverts']: options.write.runId } : {}),
  };
  const log = (entry: LogEntry): void => {
    options.onEntry?.(entry);
    // Appended as it comes: a crash mid-run keeps every entry logged so far. A failure throws to the task's logger.
    journal.append(entry);
  };
  const recordFile = path.join(paths.runs, `${runId}.json`);
  let plan: PlanItem[] | undefined;
  let final: RunRecord = { ...record, holder: undefined, status: 'Failed' };
  let taskStarted = false;
  try {
    writeJsonAtomic(recordFile, record);
    updateLastRun(store, job.id, { runId, status: 'Running', startedAt: record.startedAt, ...marker });
    // This run does what an interrupted one left undone: no further re-run is owed.
    if (store.exists(job.id)) store.update(job.id, (j) => delete j.rerunPending);
    // A newer plan replaces one waiting for approval; a dry run of an apply or revert decides nothing.
    if (!(dryRun && options.write)) supersedeAwaiting(paths, store, job.id, runId, options.write?.runId);
    options.onStart?.(record);
    // A key problem is the run's coded CW16 (the task reports an unreadable secrets value), never an empty log.
    let secrets: unknown;
    try {
      secrets = JSON.parse(open(loadKey(paths, 'read'), job.secrets, jobSecretsBinding(job.id)));
    } catch (error) {
      secrets = new Error(
        error instanceof KeyFileError ? error.message : 'the stored secrets could not be read; re-enter them with jobs set-secrets',
      );
    }
    let atria: AtriaConnection;
    try {
      atria = atriaConnection(paths);
    } catch (error) {
      if (!(error instanceof KeyFileError || error instanceof DamagedFileError)) throw error;
      log(catalogEntry('CW03', { error: `the host's Atria connection cannot be read: ${error.message}` }));
      atria = { baseUrl: '', token: '' };
    }
    taskStarted = true;
    const result = await loaded.taskType.run({
      jobId: job.id,
      runId,
      jobName: job.name,
      parameters,
      secrets,
      logLevel: job.logLevel,
      log,
      signal: options.signal ?? new AbortController().signal,
      atria,
      now: () => new Date(),
      ...(planToWrite ? { planToWrite } : {}),
    });
    // The plan (customers, agreements, SKUs, quantities: no secrets) is kept for the console's plan table.
    plan = result.plan;
    // A log that could not be written to the end fails the run, whatever the task made of it.
    const status = journal.logFailure === undefined ? result.status : 'Failed';
    final = { ...final, status, counts: result.counts, changes: result.plan.length, ...periodOf(result) };
    if (options.awaitApproval && status !== 'Failed' && status !== 'Cancelled' && result.plan.some((p) => p.outcome === 'planned'))
      final = { ...final, status: 'AwaitingApproval', approval: { state: 'awaiting', reviewStatus: status } };
    return { ...final, result: { ...result, status } };
  } catch (error) {
    if (!taskStarted && isNoSpace(error)) throw new DiskFullError(paths.home, (error as NodeJS.ErrnoException).code!);
    throw error;
  } finally {
    final = { ...final, finishedAt: new Date().toISOString() };
    if (journal.gap) final = { ...final, logGap: journal.gap, lateEntries: journal.lateEntries };
    const finished = final;
    // The job may have been deleted while it ran: the run is still recorded as it reported.
    journal.settle([
      { what: 'the run record', write: () => writeJsonAtomic(recordFile, finished) },
      {
        what: "the job's last run",
        write: () =>
          updateLastRun(store, job.id, {
            runId,
            status: finished.status,
            startedAt: record.startedAt,
            finishedAt: finished.finishedAt,
            ...marker,
          }),
      },
      ...(plan ? [{ what: 'the plan', write: () => writeJsonAtomic(planFile(paths, runId), plan) }] : []),
      // The plan's run names the run that applied or reverted it (a dry run of either changes nothing).
      ...(options.write && !dryRun && taskStarted
        ? [
            {
              what: `the link from run ${options.write.runId}`,
              write: () => linkSource(paths, store, options.write!.runId, options.write!.purpose, finished),
            },
          ]
        : []),
    ]);
    await release();
    // After the lock is released (a dead mail server never holds up the job's next run); never changes the status.
    if (taskStarted) await notifyAfterRun(paths, store, finished, plan ?? []);
  }
}

function updateLastRun(store: JobStore, jobId: string, lastRun: NonNullable<Job['lastRun']>): void {
  if (!store.exists(jobId)) return;
  store.update(jobId, (j) => (j.lastRun = lastRun));
}

/**
 * Runs left `Running` by a process that is gone (kill -9, a crash, a power cut): each is marked
 * `Interrupted`, with the reason as the last entry of its log, and its job is marked to run once more
 * (the scheduler does; a re-run is safe: it writes only what still differs). Every entry point calls it
 * (the scheduler, the console, `jobs run`). Returns the jobs' ids.
 */
export async function recoverInterruptedRuns(paths: HostPaths, store: JobStore, report: (line: string) => void): Promise<string[]> {
  const jobs: string[] = [];
  const interruptedRuns: RunRecord[] = [];
  for (const record of listRuns(paths, report)) {
    if (record.status !== 'Running' || !holderGone(record.holder)) continue;
    const reason = `the host process running it (${record.holder ? `process ${record.holder.pid} on ${record.holder.hostname}` : 'unknown'}) stopped before the run finished: killed or crashed. Every write that landed before is logged above; the job runs again once.`;
    try {
      appendFileSync(
        path.join(paths.runs, `${record.runId}.jsonl`),
        JSON.stringify(catalogEntry('CW23', { status: 'Interrupted' }, { reason })) + '\n',
        { mode: 0o600 },
      );
    } catch {
      // The log may be unwritable (disk full): the record below still says what happened.
    }
    dropReserve(paths, record.runId);
    const interrupted: RunRecord = { ...record, holder: undefined, status: 'Interrupted', finishedAt: new Date().toISOString() };
    writeJsonAtomic(path.join(paths.runs, `${record.runId}.json`), interrupted);
    updateLastRun(store, record.jobId, {
      runId: record.runId,
      status: 'Interrupted',
      startedAt: record.startedAt,
      finishedAt: interrupted.finishedAt,
    });
    if (store.exists(record.jobId)) store.update(record.jobId, (j) => (j.rerunPending = true));
    report(`run ${record.runId} of job ${record.jobId} (${record.jobName}) was interrupted: ${reason}`);
    if (!jobs.includes(record.jobId)) jobs.push(record.jobId);
    interruptedRuns.push(interrupted);
  }
  // Those who hear about the job's failed runs hear about this one (in parallel: a dead mail server delays by one timeout at most).
  await Promise.all(interruptedRuns.map((run) => notifyAfterRun(paths, store, run, readRunPlan(paths, run.runId))));
  return jobs;
}
