import { DamagedFileError, DiskFullError, JobBusyError, KeyFileError, UsageError } from './errors.js';
import { dropReserve, RunJournal } from './runJournal.js';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AtriaConnection, LogEntry, PlanItem, PlanToWrite, RunStatus, TaskResult } from '../../src/host/api.js';
import { readJson, readJsonOrReport, writeJsonAtomic } from './atomicFile.js';
import type { LoadedTaskType } from './extensions.js';
import type { Job, JobStore } from './jobs.js';
import type { HostPaths } from './paths.js';
import { ATRIA_TOKEN_BINDING, jobSecretsBinding, loadKey, open } from './secretBox.js';
import { catalogEntry, acquireFileLock, isNoSpace, isStale, thisProcess, type ProcessIdentity } from '../../src/index.js';
import { HOST_CONFIG_SHAPE, PLAN_SHAPE, RUN_SHAPE } from './stateShapes.js';
import { linkSource, planFromRun, supersedeAwaiting, type WritePurpose } from './planRuns.js';

export type RunTrigger = 'schedule' | 'run-now' | 'command-line' | 'apply' | 'approval' | 'revert';

/** A run's status as the host records it: the task's, or the host's own (running, interrupted, a dry run awaiting approval). */
export type HostRunStatus = RunStatus | 'Running' | 'Interrupted' | 'AwaitingApproval';

/** An approval-mode run's decision: awaiting, or approved (by the run that applied it), rejected, superseded (by a newer run). */
export interface Approval {
  state: 'awaiting' | 'approved' | 'rejected' | 'superseded';
  /** What the dry run itself ended with; the status again once decided. */
  reviewStatus: RunStatus;
  decidedAt?: string;
  by?: string;
}

export interface RunRecord {
  runId: string;
  jobId: string;
  jobName: string;
  extensionVersion: string;
  status: HostRunStatus;
  startedAt: string;
  finishedAt?: string;
  counts?: Record<string, number>;
  changes?: number;
  /** The process running it, to tell a run in progress from one whose process died. */
  holder?: ProcessIdentity;
  /** Set when the log could not be written to the end (a full disk): what happened, and where its last entries went. */
  logGap?: string;
  /** A dry run: planned only, nothing written to ConnectWise. */
  dryRun?: boolean;
  /** What started it: the scheduler, Run now in the console, or `jobs run`. */
  trigger?: RunTrigger;
  /** The billing period the task worked on, when it says (optional beyond host API v1). */
  period?: { startDate: string; endDate: string };
  /** The entries the log could not take (written with the record, in the room the run set aside); they end the run's log. */
  lateEntries?: LogEntry[];
  /** The dry run whose plan this run applied, or the run it reverted. */
  applies?: string;
  reverts?: string;
  /** The run that applied this dry run's plan, or that reverted this run. */
  appliedBy?: string;
  revertedBy?: string;
  /** Approval mode: this dry run's plan waits for a person (or was decided). */
  approval?: Approval;
}

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

/** One run of a job at a time, across processes: the extension's file lock (the run lock's), one file per job. */
export async function lockJob(paths: Pick<HostPaths, 'jobs'>, jobId: string): Promise<() => Promise<void>> {
  const outcome = await acquireFileLock(path.join(paths.jobs, `${jobId}.lock`), thisProcess());
  if (outcome.acquired) return outcome.release;
  const by = outcome.holder ? ` (process ${outcome.holder.pid} on ${outcome.holder.hostname})` : '';
  throw new JobBusyError(`job ${jobId} is already running${by}`);
}

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
export function recoverInterruptedRuns(paths: HostPaths, store: JobStore, report: (line: string) => void): string[] {
  const jobs: string[] = [];
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
  }
  return jobs;
}

/** One run's record, or undefined when there is no such run. */
export function readRunRecord(paths: HostPaths, runId: string): RunRecord | undefined {
  checkRunId(runId);
  return readJson(path.join(paths.runs, `${runId}.json`), RUN_SHAPE);
}

/** Every run record, oldest first; a damaged one is reported by name and skipped. */
export function listRuns(paths: HostPaths, report: (line: string) => void): RunRecord[] {
  return readdirSync(paths.runs)
    .filter((f) => f.endsWith('.json'))
    .map((f) => readJsonOrReport(path.join(paths.runs, f), RUN_SHAPE, (problem) => report(problem.message)))
    .filter((r): r is RunRecord => r !== undefined)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

const planFile = (paths: HostPaths, runId: string): string => path.join(paths.plans, `${runId}.json`);

/** A finished run's plan: what it changed or (dry run) would change; empty for a run from before plans were kept. */
export function readRunPlan(paths: HostPaths, runId: string): PlanItem[] {
  checkRunId(runId);
  return readJson(planFile(paths, runId), PLAN_SHAPE) ?? [];
}

function checkRunId(runId: string): void {
  if (!/^[\w-]+$/.test(runId)) throw new Error(`'${runId}' is not a run id`);
}

/** A run's log, ending with the entries a full disk kept out of its file; a damaged line (a crash mid-write) is skipped and reported. */
export function readRunLog(paths: HostPaths, runId: string, report: (line: string) => void = () => undefined): LogEntry[] {
  checkRunId(runId);
  const file = path.join(paths.runs, `${runId}.jsonl`);
  if (!existsSync(path.join(paths.runs, `${runId}.json`))) throw new Error(`no run ${runId}`);
  const late = readRunRecord(paths, runId)?.lateEntries ?? [];
  if (!existsSync(file)) return late;
  const entries: LogEntry[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      entries.push(JSON.parse(line) as LogEntry);
    } catch {
      report(`line ${index + 1} of the log of run ${runId} is damaged (${line.length} characters, cut short or overwritten): skipped`);
    }
  });
  return [...entries, ...late];
}
