import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { AtriaConnection, LogEntry, RunStatus, TaskResult } from '../../src/host/api.js';
import { readJson, writeJsonAtomic } from './atomicFile.js';
import type { LoadedTaskType } from './extensions.js';
import type { Job, JobStore } from './jobs.js';
import type { HostPaths } from './paths.js';
import { loadKey, open, type Sealed } from './secretBox.js';

export interface RunRecord {
  runId: string;
  jobId: string;
  jobName: string;
  extensionVersion: string;
  status: RunStatus | 'Running';
  startedAt: string;
  finishedAt?: string;
  counts?: Record<string, number>;
  changes?: number;
}

export class JobBusyError extends Error {}

/** The host's own Atria connection: `config set`, or HOST_ATRIA_URL / HOST_ATRIA_TOKEN. */
export function atriaConnection(paths: HostPaths): AtriaConnection {
  const config = readJson<{ atriaUrl?: string; atriaToken?: Sealed }>(paths.configFile) ?? {};
  const token = process.env.HOST_ATRIA_TOKEN ?? (config.atriaToken ? open(loadKey(paths.keyFile), config.atriaToken) : '');
  return { baseUrl: process.env.HOST_ATRIA_URL ?? config.atriaUrl ?? '', token };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** One run of a job at a time, across processes: a lock file created exclusively, taken over only from a dead holder. */
function lockJob(paths: HostPaths, jobId: string): () => void {
  const lock = path.join(paths.jobs, `${jobId}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lock, 'utf8'));
      if (holder && alive(holder)) throw new JobBusyError(`job ${jobId} is already running (process ${holder})`);
      rmSync(lock, { force: true });
    }
  }
  throw new JobBusyError(`job ${jobId} is locked`);
}

/** Runs a job through host API v1: decrypts its secrets, streams its log to the run's file, records the result. */
export async function runJob(
  paths: HostPaths,
  store: JobStore,
  job: Job,
  loaded: LoadedTaskType,
  options: { signal?: AbortSignal; onEntry?: (entry: LogEntry) => void } = {},
): Promise<RunRecord & { result: TaskResult }> {
  const release = lockJob(paths, job.id);
  const runId = `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
  const logFile = path.join(paths.runs, `${runId}.jsonl`);
  const record: RunRecord = { runId, jobId: job.id, jobName: job.name, extensionVersion: loaded.extension.version, status: 'Running', startedAt: new Date().toISOString() };
  writeJsonAtomic(path.join(paths.runs, `${runId}.json`), record);
  store.update(job.id, (j) => (j.lastRun = { runId, status: 'Running', startedAt: record.startedAt }));
  try {
    let secrets: unknown;
    try {
      secrets = JSON.parse(open(loadKey(paths.keyFile), job.secrets));
    } catch {
      secrets = new Error('the stored secrets could not be decrypted; re-enter them with jobs set-secrets');
    }
    const result = await loaded.taskType.run({
      jobId: job.id,
      runId,
      jobName: job.name,
      parameters: job.parameters,
      secrets,
      logLevel: job.logLevel,
      log: (entry) => {
        // Appended as it comes: a crash mid-run keeps every entry logged so far.
        appendFileSync(logFile, JSON.stringify(entry) + '\n', { mode: 0o600 });
        options.onEntry?.(entry);
      },
      signal: options.signal ?? new AbortController().signal,
      atria: atriaConnection(paths),
      now: () => new Date(),
    });
    const finished: RunRecord = { ...record, status: result.status, finishedAt: new Date().toISOString(), counts: result.counts, changes: result.plan.length };
    writeJsonAtomic(path.join(paths.runs, `${runId}.json`), finished);
    store.update(job.id, (j) => (j.lastRun = { runId, status: result.status, startedAt: record.startedAt, finishedAt: finished.finishedAt }));
    return { ...finished, result };
  } catch (error) {
    const failed: RunRecord = { ...record, status: 'Failed', finishedAt: new Date().toISOString() };
    writeJsonAtomic(path.join(paths.runs, `${runId}.json`), failed);
    store.update(job.id, (j) => (j.lastRun = { runId, status: 'Failed', startedAt: record.startedAt, finishedAt: failed.finishedAt }));
    throw error;
  } finally {
    release();
  }
}

export function readRunLog(paths: HostPaths, runId: string): LogEntry[] {
  if (!/^[\w-]+$/.test(runId)) throw new Error(`'${runId}' is not a run id`);
  const file = path.join(paths.runs, `${runId}.jsonl`);
  if (!existsSync(path.join(paths.runs, `${runId}.json`))) throw new Error(`no run ${runId}`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogEntry);
}
