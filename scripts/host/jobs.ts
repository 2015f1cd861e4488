import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LogLevel } from '../../src/host/api.js';
import type { HostRunStatus } from './runRecords.js';
import { readJson, readJsonOrReport, writeJsonAtomic } from './atomicFile.js';
import type { HostPaths } from './paths.js';
import type { Sealed } from './secretBox.js';
import { JOB_SHAPE } from './stateShapes.js';

export interface Job {
  id: string;
  name: string;
  /** The task type's display name, as the dropdown shows it. */
  taskType: string;
  /** What the job is bound to: only this extension's task type ever receives its decrypted secrets. */
  extensionId?: string;
  taskTypeId?: string;
  logLevel: LogLevel;
  cron: string;
  /** The IANA time zone its CRON is read in (absent on jobs made before time zones: UTC). */
  timeZone?: string;
  parameters: unknown;
  /** Encrypted; never shown again, only replaced. */
  secrets: Sealed;
  enabled: boolean;
  createdAt: string;
  /** The last time the scheduler fired it (or created it): the next run is computed after this. */
  lastScheduledAt: string;
  lastRun?: { runId: string; status: HostRunStatus; startedAt: string; finishedAt?: string; dryRun?: boolean };
  /** A run of it was interrupted (its process killed or crashed): the scheduler runs it once more, whoever found it. */
  rerunPending?: boolean;
  /** Approval mode (a host setting, not a task parameter): a scheduled run plans only and waits for Approve or Reject. */
  requireApproval?: boolean;
  /** Who hears about its runs (failed, errors, awaiting approval, new warnings): e-mail recipients, a sealed webhook URL. */
  notify?: import('./notify/settings.js').JobNotify;
}

export class JobStore {
  constructor(private readonly paths: HostPaths) {}

  private file(id: string): string {
    if (!/^[0-9a-f-]{8,}$/i.test(id)) throw new Error(`'${id}' is not a job id`);
    return path.join(this.paths.jobs, `${id}.json`);
  }

  /** A new job; its secrets are sealed for its id (bound to it), so they are sealed once the id exists. */
  create(fields: Omit<Job, 'id' | 'createdAt' | 'lastScheduledAt' | 'enabled' | 'secrets'>, sealSecrets: (jobId: string) => Sealed): Job {
    const now = new Date().toISOString();
    const id = randomUUID().slice(0, 8);
    const job: Job = { ...fields, id, secrets: sealSecrets(id), enabled: true, createdAt: now, lastScheduledAt: now };
    this.save(job);
    return job;
  }

  get(id: string): Job {
    const job = readJson(this.file(id), JOB_SHAPE);
    if (!job) throw new Error(`no job ${id}`);
    return job;
  }

  exists(id: string): boolean {
    return existsSync(this.file(id));
  }

  /** Every job; a damaged job file is named through `report` and skipped, and the others go on working. */
  list(report: (line: string) => void = (line) => console.error(line)): Job[] {
    return readdirSync(this.paths.jobs)
      .filter((f) => f.endsWith('.json'))
      .map((f) => readJsonOrReport(path.join(this.paths.jobs, f), JOB_SHAPE, (problem) => report(problem.message)))
      .filter((job): job is Job => job !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  save(job: Job): void {
    writeJsonAtomic(this.file(job.id), job);
  }

  /** Read-modify-write of one job, so concurrent updaters do not undo each other's fields. */
  update(id: string, change: (job: Job) => void): Job {
    const job = this.get(id);
    change(job);
    this.save(job);
    return job;
  }

  delete(id: string): void {
    if (!existsSync(this.file(id))) throw new Error(`no job ${id}`);
    rmSync(this.file(id));
  }
}
