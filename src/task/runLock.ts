import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectionToken } from 'tsyringe';

/** Who holds a company's lock: enough to tell a live holder from a crashed one whose pid was reused. */
export interface LockHolder {
  pid: number;
  /** The holder process's start time (clock ticks since boot on Linux); null where it cannot be read. */
  startTime: string | null;
  hostname: string;
  runId: string;
  jobName: string;
  since: string;
}

/** What tells a holding process apart: its pid, its start time (pids are reused) and its host. */
export type ProcessIdentity = Pick<LockHolder, 'pid' | 'startTime' | 'hostname'>;

export type LockOutcome = { acquired: true; release: () => Promise<void> } | { acquired: false; holder: LockHolder | undefined };

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

/** A takeover that has not finished in this long was left by a crashed process. */
const TAKEOVER_STALE_MS = 30_000;

/** A process's start time from /proc (Linux); null elsewhere or when the process is gone. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name (field 2) may hold spaces, so count from its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A holder that is certainly gone: same machine, and its pid is dead or now names another process. */
export function isStale(holder: ProcessIdentity, ownHostname = hostname()): boolean {
  if (holder.hostname !== ownHostname) return false;
  if (!isAlive(holder.pid)) return true;
  const current = processStartTime(holder.pid);
  return holder.startTime !== null && current !== null && current !== holder.startTime;
}

/**
 * A lock file per company (a hash of CompanyName, trimmed and in lower case) created with O_EXCL.
 * A stale lock is taken over under a second exclusive "takeover" file, so two runs that both find
 * it stale cannot both win.
 */
export class FileRunLock implements RunLock {
  constructor(private readonly directory: string = defaultLockDirectory()) {}

  async acquire(company: { companyName: string }, run: { runId: string; jobName: string }): Promise<LockOutcome> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const key = createHash('sha256').update(`connectwise-company\n${company.companyName.trim().toLowerCase()}`).digest('hex').slice(0, 32);
    const path = join(this.directory, `${key}.lock`);
    const mine: LockHolder = {
      pid: process.pid,
      startTime: processStartTime(process.pid),
      hostname: hostname(),
      runId: run.runId,
      jobName: run.jobName,
      since: new Date().toISOString(),
    };
    const content = JSON.stringify(mine);
    if (await createExclusive(path, content)) return { acquired: true, release: () => releaseIfMine(path, content) };

    const existing = await readHolder(path);
    if (existing && (existing.holder ? !isStale(existing.holder) : await isFresh(path)))
      return { acquired: false, holder: existing.holder };
    if (!(await this.takeOver(path, existing?.text, content)))
      return { acquired: false, holder: (await readHolder(path))?.holder ?? existing?.holder };
    return { acquired: true, release: () => releaseIfMine(path, content) };
  }

  private async takeOver(path: string, staleText: string | undefined, content: string): Promise<boolean> {
    const guard = `${path}.takeover`;
    if (!(await createExclusive(guard, String(process.pid)))) {
      const age = await stat(guard).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age < TAKEOVER_STALE_MS) return false;
      await rm(guard, { force: true });
      if (!(await createExclusive(guard, String(process.pid)))) return false;
    }
    try {
      // Still the same stale lock (or none, or an unreadable one)? Only then is it ours to remove.
      const now = await readFile(path, 'utf8').catch(() => undefined);
      if (now !== undefined && now !== staleText) return false;
      await rm(path, { force: true });
      return await createExclusive(path, content);
    } finally {
      await rm(guard, { force: true });
    }
  }
}

/**
 * Creates `path` holding `content`, only if it does not exist. The content is written to a file of
 * this process's own first and then hard-linked into place, so a lock is never seen empty.
 */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

async function readHolder(path: string): Promise<{ text: string; holder: LockHolder | undefined } | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const holder = JSON.parse(text) as LockHolder;
    return { text, holder: typeof holder.pid === 'number' && typeof holder.hostname === 'string' ? holder : undefined };
  } catch {
    // Written by a process that crashed between create and write: nobody can hold it.
    return { text, holder: undefined };
  }
}

/** An unreadable lock younger than this may be a holder between creating and writing it. */
const UNWRITTEN_GRACE_MS = 5_000;
const isFresh = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => Date.now() - s.mtimeMs < UNWRITTEN_GRACE_MS,
    () => false,
  );

async function releaseIfMine(path: string, content: string): Promise<void> {
  const now = await readFile(path, 'utf8').catch(() => undefined);
  if (now === content) await rm(path, { force: true });
}

export const describeHolder = (holder: LockHolder | undefined): string =>
  holder
    ? `run ${holder.runId} of job '${holder.jobName}', process ${holder.pid} on ${holder.hostname}, since ${holder.since}`
    : 'a run that is starting';
