import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LogEntry, PlanItem, RunStatus } from '../../src/host/api.js';
import { acquireFileLock, thisProcess, type ProcessIdentity } from '../../src/index.js';
import { readJson, readJsonOrReport, writeJsonAtomic } from './atomicFile.js';
import { JobBusyError } from './errors.js';
import type { HostPaths } from './paths.js';
import { PLAN_SHAPE, RUN_SHAPE } from './stateShapes.js';

/** The host's records of runs (one JSON file each, its log beside it, its plan under plans/), and the job lock that orders them. */

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
  /** The messages sent about it (SPEC 14), each with its outcome; a failed one is also CW40 in its log. */
  notifications?: { channel: 'email' | 'webhook'; target: string; ok: boolean; error?: string; at: string }[];
}

/** One run of a job at a time, across processes: the extension's file lock (the run lock's), one file per job. */
export async function lockJob(paths: Pick<HostPaths, 'jobs'>, jobId: string): Promise<() => Promise<void>> {
  const outcome = await acquireFileLock(path.join(paths.jobs, `${jobId}.lock`), thisProcess());
  if (outcome.acquired) return outcome.release;
  const by = outcome.holder ? ` (process ${outcome.holder.pid} on ${outcome.holder.hostname})` : '';
  throw new JobBusyError(`job ${jobId} is already running${by}`);
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

export const planFile = (paths: HostPaths, runId: string): string => path.join(paths.plans, `${runId}.json`);

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

/** Rewrites one run record (under its job's lock: the runner's, or the caller's; a notification's outcome is added outside it). */
export function updateRunRecord(paths: HostPaths, runId: string, change: (record: RunRecord) => RunRecord): RunRecord | undefined {
  const record = readRunRecord(paths, runId);
  if (!record) return undefined;
  const next = change(record);
  writeJsonAtomic(path.join(paths.runs, `${runId}.json`), next);
  return next;
}
