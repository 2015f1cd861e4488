import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LogLevel, RunStatus } from '../../src/host/api.js';
import { readJson, writeJsonAtomic } from './atomicFile.js';
import type { HostPaths } from './paths.js';
import type { Sealed } from './secretBox.js';

export interface Job {
  id: string;
  name: string;
  taskType: string;
  logLevel: LogLevel;
  cron: string;
  parameters: unknown;
  /** Encrypted; never shown again, only replaced. */
  secrets: Sealed;
  enabled: boolean;
  createdAt: string;
  /** The last time the scheduler fired it (or created it): the next run is computed after this. */
  lastScheduledAt: string;
  lastRun?: { runId: string; status: RunStatus | 'Running'; startedAt: string; finishedAt?: string };
}

export class JobStore {
  constructor(private readonly paths: HostPaths) {}

  private file(id: string): string {
    if (!/^[0-9a-f-]{8,}$/i.test(id)) throw new Error(`'${id}' is not a job id`);
    return path.join(this.paths.jobs, `${id}.json`);
  }

  create(fields: Omit<Job, 'id' | 'createdAt' | 'lastScheduledAt' | 'enabled'>): Job {
    const now = new Date().toISOString();
    const job: Job = { ...fields, id: randomUUID().slice(0, 8), enabled: true, createdAt: now, lastScheduledAt: now };
    this.save(job);
    return job;
  }

  get(id: string): Job {
    const job = readJson<Job>(this.file(id));
    if (!job) throw new Error(`no job ${id}`);
    return job;
  }

  list(): Job[] {
    return readdirSync(this.paths.jobs)
      .filter((f) => f.endsWith('.json'))
      .map((f) => readJson<Job>(path.join(this.paths.jobs, f))!)
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
