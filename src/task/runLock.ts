import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectionToken } from 'tsyringe';
import { acquireFileLock, thisProcess, type FileLockOutcome, type ProcessIdentity } from '../util/fileLock.js';

export { isStale, processStartTime, type ProcessIdentity } from '../util/fileLock.js';

/** Who holds a company's lock: enough to tell a live holder from a crashed one whose pid was reused. */
export interface LockHolder extends ProcessIdentity {
  runId: string;
  jobName: string;
  since: string;
}

export type LockOutcome = FileLockOutcome<LockHolder>;

/**
 * One run at a time per ConnectWise company on this machine (spec 6.8), shared by the CLI and every
 * host job. Keyed by the company (CompanyName, case-insensitive), never by how apiUrl is spelled:
 * `localhost` and `127.0.0.1`, a site host and a full base, another codebase all reach one company.
 */
export interface RunLock {
  acquire(company: { companyName: string }, run: { runId: string; jobName: string }): Promise<LockOutcome>;
}
export const RUN_LOCK: InjectionToken<RunLock> = Symbol('RunLock');

/** The lock folder: `CWM_BILLING_LOCK_DIR`, or one folder in the machine's temp dir that the CLI and the host share. */
export const defaultLockDirectory = (env: NodeJS.ProcessEnv = process.env): string =>
  env.CWM_BILLING_LOCK_DIR || join(tmpdir(), 'connectwise-manage-billing-locks');

/** A lock file per company (a hash of CompanyName, trimmed and in lower case), through the codebase's one file lock. */
export class FileRunLock implements RunLock {
  constructor(private readonly directory: string = defaultLockDirectory()) {}

  async acquire(company: { companyName: string }, run: { runId: string; jobName: string }): Promise<LockOutcome> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const key = createHash('sha256').update(`connectwise-company\n${company.companyName.trim().toLowerCase()}`).digest('hex').slice(0, 32);
    return acquireFileLock<LockHolder>(join(this.directory, `${key}.lock`), { ...thisProcess(), ...run, since: new Date().toISOString() });
  }
}

export const describeHolder = (holder: LockHolder | undefined): string =>
  holder
    ? `run ${holder.runId} of job '${holder.jobName}', process ${holder.pid} on ${holder.hostname}, since ${holder.since}`
    : 'a run that is starting';
