import { readJsonOrReport } from './atomicFile.js';
import { loadAllTaskTypes, taskTypeOfJob, type LoadedTaskType } from './extensions.js';
import { nextRun } from './cron.js';
import { JobStore } from './jobs.js';
import type { HostPaths } from './paths.js';
import { JobBusyError } from './errors.js';
import { recoverInterruptedRuns, runJob } from './runner.js';
import { summarizeRun } from '../../src/index.js';
import { RESTART_SHAPE } from './stateShapes.js';
import { announceScheduler } from './schedulerPresence.js';

export interface SchedulerOptions {
  tickMs?: number;
  /** Stop after this many runs have finished (tests and one-shot use). */
  exitAfterRuns?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * Fires due jobs by their CRON expressions. A job never runs twice at once (in this process, and
 * across processes through the job's lock file); a run whose time passed while the scheduler was
 * down runs once, not once per missed time; a failing run is logged and the scheduler goes on.
 * When `signal` fires (SIGTERM), running jobs are cancelled through their own signals and awaited.
 */
export async function runScheduler(paths: HostPaths, options: SchedulerOptions = {}): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const store = new JobStore(paths);
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  const readRestart = () => readJsonOrReport(paths.restartFile, RESTART_SHAPE, (problem) => log(problem.message));
  let taskTypes: LoadedTaskType[] = await loadAllTaskTypes(paths, log);
  let restartSeen = readRestart()?.requestedAt;
  // Runs a killed or crashed host left Running: marked Interrupted, and their jobs run once more.
  await recoverInterruptedRuns(paths, store, log);
  // The console tells the administrator whether jobs will fire: it looks for this.
  const withdraw = await announceScheduler(paths);
  let finishedRuns = 0;
  log(
    `scheduler started; task types: ${taskTypes.map((t) => `${t.taskType.displayName} (${t.extension.id} ${t.extension.version})`).join(', ') || 'none'}`,
  );

  const stopped = new Promise<void>((resolve) => {
    if (options.signal?.aborted) resolve();
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
  });

  while (!options.signal?.aborted && !(options.exitAfterRuns !== undefined && finishedRuns >= options.exitAfterRuns)) {
    const restart = readRestart();
    if (restart && restart.requestedAt !== restartSeen) {
      restartSeen = restart.requestedAt;
      taskTypes = await loadAllTaskTypes(paths, log);
      log(`services restarted: loaded ${taskTypes.map((t) => `${t.extension.id} ${t.extension.version}`).join(', ')}`);
    }
    const now = new Date();
    for (const job of store.list(log)) {
      if (!job.enabled || running.has(job.id)) continue;
      const due = nextRun(job.cron, new Date(job.lastScheduledAt), job.timeZone);
      // Interrupted before (found here, by the console or by `jobs run`): run once more, even when not due.
      const again = job.rerunPending === true;
      if (due > now && !again) continue;
      const loaded = taskTypeOfJob(taskTypes, job);
      // The slot counts as served only once its run has ended: a host killed mid-run runs it again when it starts.
      const served = (): void => {
        if (store.exists(job.id)) store.update(job.id, (j) => (j.lastScheduledAt = now.toISOString()));
      };
      if (!loaded) {
        served();
        log(`job ${job.id} (${job.name}): task type ${job.taskType} is not installed`);
        continue;
      }
      const controller = new AbortController();
      log(
        `job ${job.id} (${job.name}) ${again && due > now ? 'interrupted before: running it again' : `due at ${due.toISOString()}`}: starting`,
      );
      const done = runJob(paths, store, job, loaded, {
        signal: controller.signal,
        trigger: 'schedule',
        awaitApproval: job.requireApproval === true,
      })
        .then((run) => {
          served();
          log(`job ${job.id} (${job.name}) run ${run.runId}: ${summarizeRun(run.result)}`);
        })
        .catch((error) => {
          served();
          log(`job ${job.id} (${job.name}): ${error instanceof JobBusyError ? error.message : `run failed: ${(error as Error).message}`}`);
        })
        .finally(() => {
          running.delete(job.id);
          finishedRuns++;
        });
      running.set(job.id, { controller, done });
    }
    await Promise.race([new Promise((r) => setTimeout(r, options.tickMs ?? 1000)), stopped]);
  }
  for (const { controller } of running.values()) controller.abort();
  await Promise.all([...running.values()].map((r) => r.done));
  await withdraw();
  log('scheduler stopped');
}
