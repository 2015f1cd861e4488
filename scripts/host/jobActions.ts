import type { LogEntry, LogLevel } from '../../src/host/api.js';
import { checkCron, isTimeZone, nextRun } from './cron.js';
import type { LoadedTaskType } from './extensions.js';
import type { Job, JobStore } from './jobs.js';
import type { HostPaths } from './paths.js';
import { jobSecretsBinding, loadKey, open, seal } from './secretBox.js';

/** The next time the scheduler fires a job, or undefined when it is disabled. */
export const nextRunOf = (job: Job, now = new Date()): Date | undefined =>
  job.enabled ? nextRun(job.cron, new Date(Math.max(now.getTime(), new Date(job.lastScheduledAt).getTime())), job.timeZone) : undefined;

export function setJobEnabled(store: JobStore, id: string, enabled: boolean): Job {
  return store.update(id, (j) => {
    j.enabled = enabled;
    if (enabled) j.lastScheduledAt = new Date().toISOString(); // no catch-up for time spent disabled
  });
}

/** What is wrong with a job's schedule fields, by field; the task's own entries come from its validate. */
export function scheduleProblems(fields: { name?: string; cron: string; timeZone: string }): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (fields.name !== undefined && fields.name.trim() === '') problems.push({ field: 'name', message: 'the job needs a name' });
  const cronProblem = checkCron(fields.cron);
  if (cronProblem) problems.push({ field: 'cron', message: cronProblem });
  if (!isTimeZone(fields.timeZone))
    problems.push({
      field: 'timeZone',
      message: `'${fields.timeZone}' is not an IANA time zone name (for example Europe/London, America/New_York, UTC)`,
    });
  return problems;
}

/** The task's verdict on parameters and secrets: its coded entries, none when valid. */
export const taskProblems = (loaded: LoadedTaskType, parameters: unknown, secrets: unknown): LogEntry[] =>
  loaded.taskType.validate?.(parameters, secrets) ?? [];

export interface JobFields {
  name: string;
  logLevel: LogLevel;
  cron: string;
  timeZone: string;
  parameters: unknown;
  /** Approval mode; absent keeps what the job has. */
  requireApproval?: boolean;
}

export function createJob(paths: HostPaths, store: JobStore, loaded: LoadedTaskType, fields: JobFields, secrets: unknown): Job {
  const key = loadKey(paths);
  return store.create(
    {
      ...withoutApproval(fields),
      ...(fields.requireApproval ? { requireApproval: true } : {}),
      taskType: loaded.taskType.displayName,
      extensionId: loaded.extension.id,
      taskTypeId: loaded.taskType.id,
    },
    (id) => seal(key, JSON.stringify(secrets), jobSecretsBinding(id)),
  );
}

/** A job's stored secrets, decrypted: only ever handed to its task's validate or run, never to a page. */
export function storedSecrets(paths: HostPaths, job: Job): Record<string, unknown> {
  const value = JSON.parse(open(loadKey(paths, 'read'), job.secrets, jobSecretsBinding(job.id))) as unknown;
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Secrets from an edit form: a blank field keeps what is stored. */
export function mergeSecrets(stored: Record<string, unknown>, entered: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...stored };
  for (const [name, value] of Object.entries(entered)) if (value !== undefined && value !== null && value !== '') merged[name] = value;
  return merged;
}

export function updateJob(paths: HostPaths, store: JobStore, id: string, fields: JobFields, secrets: unknown): Job {
  const key = loadKey(paths);
  return store.update(id, (j) => {
    const scheduleChanged = j.cron !== fields.cron || j.timeZone !== fields.timeZone;
    Object.assign(j, withoutApproval(fields));
    if (fields.requireApproval === true) j.requireApproval = true;
    else if (fields.requireApproval === false) delete j.requireApproval;
    j.secrets = seal(key, JSON.stringify(secrets), jobSecretsBinding(j.id));
    if (scheduleChanged) j.lastScheduledAt = new Date().toISOString(); // the new schedule counts from now
  });
}

/** The fields without the approval setting, which is stored only when on. */
function withoutApproval(fields: JobFields): Omit<JobFields, 'requireApproval'> {
  const { requireApproval: _setting, ...rest } = fields;
  return rest;
}
