import cronstrue from 'cronstrue';
import type { LogEntry, PlanItem, RunStatus } from '../../../src/host/api.js';
import { nextRunOf } from '../jobActions.js';
import type { Job } from '../jobs.js';
import type { RunRecord } from '../runner.js';
import { actionFor, logCodeCatalog, moneyFigures, runFigures, summarizeRun } from '../../../src/index.js';

/** A CRON expression in words, as the vendor's Jobs page shows it: "At 22:00, on day 26 of the month". */
export function cronInWords(expression: string): string {
  try {
    return cronstrue.toString(expression, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
  } catch {
    return '';
  }
}

/** A job as a page sees it: never its secrets (not even which are set, or how long). */
export function jobView(job: Job, options: { withParameters?: boolean } = {}) {
  const next = nextRunOf(job);
  return {
    id: job.id,
    name: job.name,
    taskType: job.taskType,
    taskTypeKey: job.extensionId && job.taskTypeId ? taskTypeKey(job.extensionId, job.taskTypeId) : undefined,
    logLevel: job.logLevel,
    enabled: job.enabled,
    cron: job.cron,
    timeZone: job.timeZone ?? 'UTC',
    cronWords: cronInWords(job.cron),
    nextRunAt: next?.toISOString() ?? null,
    lastRun: job.lastRun ?? null,
    requireApproval: job.requireApproval === true,
    // Who hears about its runs; the webhook only as set or not (its address is a credential).
    notify: { emails: job.notify?.emails ?? [], webhookSet: job.notify?.webhook !== undefined },
    ...(options.withParameters ? { parameters: job.parameters } : {}),
  };
}

export const taskTypeKey = (extensionId: string, taskTypeId: string): string => `${extensionId}/${taskTypeId}`;

/** A run in the history: its record without the process holding it, its figures and its one-line summary. */
export function runView(record: RunRecord, plan: readonly PlanItem[]) {
  // The late entries are the log's (the log routes serve them), not the summary's.
  const { holder: _holder, lateEntries: _late, ...run } = record;
  const finished = record.status !== 'Running' && record.status !== 'Interrupted' && record.counts !== undefined;
  // A finished run's status is one a task returns (Running and Interrupted are the host's own).
  // A run awaiting approval is summed up as its dry run ended.
  const result = { status: (record.approval?.reviewStatus ?? record.status) as RunStatus, counts: record.counts ?? {}, plan: [...plan] };
  return {
    ...run,
    durationMs: record.finishedAt ? new Date(record.finishedAt).getTime() - new Date(record.startedAt).getTime() : null,
    figures: finished ? runFigures(result) : null,
    warningCount: warningCount(record.counts ?? {}),
    summary: finished ? summarizeRun(result) : record.status,
  };
}

/** A log entry with its code's fix beside it: the catalog's resolution, the same text as the README table and the CSV. */
export const entryView = (entry: LogEntry) => ({ ...entry, fix: actionFor(entry.code) });

/** What a run awaiting approval would write: its planned lines and their monthly money (when priced). */
export function awaitingView(plan: readonly PlanItem[]) {
  const money = moneyFigures([...plan]);
  return {
    changes: plan.filter((p) => p.outcome === 'planned').length,
    ...(money.priced > 0 ? { change: money.change, ...(money.currency ? { currency: money.currency } : {}) } : {}),
  };
}

/** A run's warnings and errors from its counts by code (the run's closing CW23 aside). */
function warningCount(counts: Record<string, number>): number {
  const catalog = logCodeCatalog();
  return Object.entries(counts)
    .filter(([code]) => code !== 'CW23' && ['Warning', 'Error'].includes(catalog.get(code)?.level ?? ''))
    .reduce((sum, [, count]) => sum + count, 0);
}
