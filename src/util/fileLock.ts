import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';

/** What tells a holding process apart: its pid, its start time (pids are reused) and its host. */
export interface ProcessIdentity {
  pid: number;
  /** The process's start time (clock ticks since boot on Linux); null where it cannot be read. */
  startTime: string | null;
  hostname: string;
}

export type FileLockOutcome<H extends ProcessIdentity> =
  { acquired: true; release: () => Promise<void> } | { acquired: false; holder: H | undefined };

/** A takeover that has not finished in this long was left by a crashed process. */
const TAKEOVER_STALE_MS = 30_000;
/** An unreadable lock younger than this may be a holder between creating and writing it. */
const UNWRITTEN_GRACE_MS = 5_000;

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

export const thisProcess = (): ProcessIdentity => ({ pid: process.pid, startTime: processStartTime(process.pid), hostname: hostname() });

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
 * The one lock of this codebase (the run lock per company, the host's lock per job): a file created
 * exclusively and holding its holder, taken over only from a holder that is certainly gone. Two
 * processes that both find it stale go through a second exclusive "takeover" file, and the winner
 * re-checks that the lock is still the stale one before it replaces it, so only one can win.
 */
export async function acquireFileLock<H extends ProcessIdentity>(path: string, holder: H): Promise<FileLockOutcome<H>> {
  const content = JSON.stringify(holder);
  const acquired = (): FileLockOutcome<H> => ({ acquired: true, release: () => releaseIfMine(path, content) });
  if (await createExclusive(path, content)) return acquired();

  const existing = await readHolder<H>(path);
  if (existing && (existing.holder ? !isStale(existing.holder) : await isFresh(path))) return { acquired: false, holder: existing.holder };
  if (!(await takeOver(path, existing?.text, content)))
    return { acquired: false, holder: (await readHolder<H>(path))?.holder ?? existing?.holder };
  return acquired();
}

/**
 * Replaces the stale lock `staleText` (read earlier) with `content`, under an exclusive guard; false
 * when another process got there first. Exported for its test: the re-check is what keeps two winners out.
 */
export async function takeOver(path: string, staleText: string | undefined, content: string): Promise<boolean> {
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

async function readHolder<H extends ProcessIdentity>(path: string): Promise<{ text: string; holder: H | undefined } | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const holder = JSON.parse(text) as H | null;
    return { text, holder: typeof holder?.pid === 'number' && typeof holder.hostname === 'string' ? holder : undefined };
  } catch {
    // Written by a process that crashed between create and write: nobody can hold it.
    return { text, holder: undefined };
  }
}

const isFresh = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => Date.now() - s.mtimeMs < UNWRITTEN_GRACE_MS,
    () => false,
  );

/** Removes the lock only while it is still this holder's: a lock taken over meanwhile is someone else's. */
async function releaseIfMine(path: string, content: string): Promise<void> {
  const now = await readFile(path, 'utf8').catch(() => undefined);
  if (now === content) await rm(path, { force: true });
}
