import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { LogEntry, PlanItem } from '../../../src/host/api.js';
import { catalogEntry } from '../../../src/index.js';
import { compareRuns, previousRunOf, warningKey } from '../compareRuns.js';
import type { Job, JobStore } from '../jobs.js';
import type { HostPaths } from '../paths.js';
import { listRuns, readRunLog, readRunPlan, updateRunRecord, type RunRecord } from '../runRecords.js';
import { notificationFor, reasonsToNotify, type Notification } from './message.js';
import { sendEmail, sendWebhook } from './send.js';
import { readNotifySettings, smtpPassword, webhookUrl } from './settings.js';

export interface NotificationOutcome {
  channel: 'email' | 'webhook';
  /** Who it went to: the addresses, or the webhook's host (its path is its key, never shown). */
  target: string;
  ok: boolean;
  error?: string;
}

/** A webhook's address as it may be shown: scheme and host; the path and query hold its key. */
export const shownWebhook = (url: string): string => {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return 'the webhook';
  }
};

/** What went wrong, in words that never hold the webhook's address or a password. */
function reason(error: unknown, secrets: readonly string[]): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  let text = `${(error as Error).message ?? String(error)}${cause?.code ? ` (${cause.code})` : cause?.message ? ` (${cause.message})` : ''}`;
  for (const secret of secrets) if (secret) text = text.split(secret).join('***');
  return text;
}

/** Sends one message on each channel the job has; a channel that fails is reported, the others still go. */
export async function deliver(
  paths: HostPaths,
  job: Job,
  message: Notification,
  run?: { runId: string; status: string },
): Promise<NotificationOutcome[]> {
  const outcomes: NotificationOutcome[] = [];
  const emails = job.notify?.emails ?? [];
  if (emails.length > 0) {
    const target = emails.join(', ');
    const { smtp } = readNotifySettings(paths);
    let password: string | undefined;
    try {
      if (!smtp) throw new Error("no SMTP server is set for the host (npm run host -- config set-smtp, or the console's Settings)");
      password = smtpPassword(paths, smtp);
      await sendEmail(smtp, password, emails, message);
      outcomes.push({ channel: 'email', target, ok: true });
    } catch (error) {
      outcomes.push({ channel: 'email', target, ok: false, error: reason(error, [password ?? '']) });
    }
  }
  if (job.notify?.webhook) {
    let url = '';
    try {
      url = webhookUrl(paths, job) ?? '';
      await sendWebhook(url, message, run);
      outcomes.push({ channel: 'webhook', target: shownWebhook(url), ok: true });
    } catch (error) {
      outcomes.push({ channel: 'webhook', target: url ? shownWebhook(url) : 'the webhook', ok: false, error: reason(error, [url]) });
    }
  }
  return outcomes;
}

/**
 * After a run has ended and its record is written (SPEC 14): a message to the job's recipients when
 * the run failed, ended with errors, waits for approval or warns of something new since the job's
 * previous run. A message that cannot be sent is logged on the run (CW40) and kept in its record;
 * the run's status never changes. Never throws.
 */
export async function notifyAfterRun(
  paths: HostPaths,
  store: JobStore,
  record: RunRecord,
  plan: readonly PlanItem[],
): Promise<NotificationOutcome[]> {
  try {
    if (!store.exists(record.jobId)) return [];
    const job = store.get(record.jobId);
    if (!job.notify) return [];
    const log = readRunLog(paths, record.runId);
    const previous = previousRunOf(
      record,
      listRuns(paths, () => undefined),
    );
    const comparison = compareRuns(
      { plan, log },
      previous && { record: previous, plan: readRunPlan(paths, previous.runId), log: readRunLog(paths, previous.runId) },
    );
    const fresh = comparison.warnings.filter((w) => w.state === 'new');
    const reasons = reasonsToNotify(record, fresh.length);
    if (reasons.length === 0) return [];
    const newKeys = new Set(fresh.map(warningKey));
    const message = notificationFor(record, plan, log, reasons, newKeys, readNotifySettings(paths).consoleUrl);
    const outcomes = await deliver(paths, job, message, { runId: record.runId, status: record.status });
    keepOutcomes(paths, record, outcomes);
    return outcomes;
  } catch (error) {
    console.error(`notifications of run ${record.runId} not sent: ${(error as Error).message}`);
    return [];
  }
}

/** Each failed message as a CW40 entry at the end of the run's log, and every outcome in its record. */
function keepOutcomes(paths: HostPaths, record: RunRecord, outcomes: readonly NotificationOutcome[]): void {
  const failed: LogEntry[] = outcomes
    .filter((o) => !o.ok)
    .map((o) =>
      catalogEntry('CW40', { channel: o.channel === 'email' ? 'e-mail' : 'webhook', target: o.target, error: o.error ?? 'unknown' }),
    );
  try {
    for (const entry of failed)
      appendFileSync(path.join(paths.runs, `${record.runId}.jsonl`), JSON.stringify(entry) + '\n', { mode: 0o600 });
  } catch {
    // A log that takes no more (a full disk): the record below still says it.
  }
  const at = new Date().toISOString();
  updateRunRecord(paths, record.runId, (current) => ({ ...current, notifications: outcomes.map((o) => ({ ...o, at })) }));
}
