import { readFileSync } from 'node:fs';
import path from 'node:path';
import { acquireFileLock, isStale, thisProcess, type ProcessIdentity } from '../../src/index.js';
import type { HostPaths } from './paths.js';

const presenceFile = (paths: Pick<HostPaths, 'home'>): string => path.join(paths.home, 'scheduler.lock');

/**
 * Says "a scheduler runs for this home" for as long as the returned release is not called: the file
 * lock the runs use, so a scheduler that died is seen as gone. A second scheduler still runs (its
 * jobs never run twice: each job has its own lock); it only is not the one the console names.
 */
export async function announceScheduler(paths: Pick<HostPaths, 'home'>): Promise<() => Promise<void>> {
  const outcome = await acquireFileLock(presenceFile(paths), thisProcess());
  return outcome.acquired ? outcome.release : async () => undefined;
}

/** The scheduler running for this home, if any (the console warns when none is: jobs would not fire). */
export function runningScheduler(paths: Pick<HostPaths, 'home'>): ProcessIdentity | undefined {
  try {
    const holder = JSON.parse(readFileSync(presenceFile(paths), 'utf8')) as ProcessIdentity;
    return typeof holder?.pid === 'number' && !isStale(holder) ? holder : undefined;
  } catch {
    return undefined;
  }
}
