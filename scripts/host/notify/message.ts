import type { LogEntry, PlanItem } from '../../../src/host/api.js';
import { actionFor, formatMoney, moneyFigures } from '../../../src/index.js';
import { isWarning, warningKey } from '../compareRuns.js';
import type { RunRecord } from '../runRecords.js';

/** Why a run is worth a message (SPEC 14): it failed, ended with errors, waits for approval, or warns of something new. */
export type NotifyReason = 'failed' | 'errors' | 'awaiting-approval' | 'new-warnings';

export interface Notification {
  subject: string;
  /** Plain text: the e-mail's body, and the webhook's `text` (Teams and Slack incoming webhooks show it). */
  text: string;
}

const HEADLINES: Record<NotifyReason, string> = {
  failed: 'failed',
  errors: 'completed with errors',
  'awaiting-approval': 'awaits approval',
  'new-warnings': 'has new warnings',
};

/** The reasons this run is worth a message, most urgent first; none for a routine run. */
export function reasonsToNotify(record: RunRecord, newWarnings: number): NotifyReason[] {
  const reasons: NotifyReason[] = [];
  if (record.status === 'Failed' || record.status === 'Interrupted') reasons.push('failed');
  if (record.status === 'CompletedWithErrors') reasons.push('errors');
  if (record.status === 'AwaitingApproval') reasons.push('awaiting-approval');
  // A dry run that waits for nobody is someone looking already: its warnings are on their screen.
  if (newWarnings > 0 && (!record.dryRun || record.status === 'AwaitingApproval')) reasons.push('new-warnings');
  return reasons;
}

/** The run's warnings and errors by code, the most frequent first, each with its count, one example and its fix. */
function topProblems(log: readonly LogEntry[], newKeys: ReadonlySet<string>, limit: number): string[] {
  const byCode = new Map<string, { count: number; example: LogEntry; isNew: boolean }>();
  for (const e of log) {
    if (!isWarning(e)) continue;
    const seen = byCode.get(e.code) ?? { count: 0, example: e, isNew: false };
    seen.count++;
    seen.isNew ||= newKeys.has(warningKey(e));
    byCode.set(e.code, seen);
  }
  return [...byCode.values()]
    .sort((a, b) => Number(b.example.level === 'Error') - Number(a.example.level === 'Error') || b.count - a.count)
    .slice(0, limit)
    .map(
      ({ count, example, isNew }) =>
        `- ${example.level} ${example.code} ×${count}${isNew ? ' (new)' : ''}: ${example.message}\n  Fix: ${actionFor(example.code)}`,
    );
}

/**
 * The message about a run: what happened, the money it changed (or would), the top warnings with
 * their fixes, and where to look: the console's run page when its address is known, else the command.
 */
export function notificationFor(
  record: RunRecord,
  plan: readonly PlanItem[],
  log: readonly LogEntry[],
  reasons: readonly NotifyReason[],
  newWarningKeys: ReadonlySet<string>,
  consoleUrl: string | undefined,
): Notification {
  const headline = reasons.map((r) => HEADLINES[r]).join(', ');
  const money = moneyFigures([...plan]);
  const planned = plan.filter((p) => p.outcome === 'planned').length;
  const lines = [
    `${record.jobName}: ${record.dryRun ? 'dry run' : 'run'} ${record.runId} ${headline}.`,
    `Status: ${record.status === 'AwaitingApproval' ? `Awaiting approval (${planned} change${planned === 1 ? '' : 's'}, nothing written yet)` : record.status}`,
    ...(record.period ? [`Billing period: ${record.period.startDate} to ${record.period.endDate}`] : []),
    money.priced > 0
      ? `Monthly billing ${money.basis === 'written' ? 'changed by' : 'would change by'} ${formatMoney(money.change, money.currency)} (increases ${formatMoney(money.increases)}, decreases ${formatMoney(money.decreases)}, new ${formatMoney(money.created)}, zeroed ${formatMoney(money.zeroed)})`
      : 'No priced change to monthly billing.',
  ];
  const problems = topProblems(log, newWarningKeys, 5);
  if (problems.length) lines.push('', 'Top warnings and errors:', ...problems);
  lines.push(
    '',
    consoleUrl
      ? `Open the run: ${consoleUrl}/#/runs/${record.runId}`
      : `See the run: npm run host -- runs log ${record.runId} --sort code (set the console's address to get a link: config set-smtp --console-url)`,
  );
  if (record.status === 'AwaitingApproval')
    lines.push(`Approve or reject it there, or: npm run host -- runs approve ${record.runId} (or runs reject ${record.runId}).`);
  return { subject: `[${record.jobName}] ${record.dryRun ? 'Dry run' : 'Run'} ${headline}`, text: lines.join('\n') + '\n' };
}

/** What Send test sends: proof the channel works, and what a real message will hold. */
export const testNotification = (jobName: string, consoleUrl: string | undefined): Notification => ({
  subject: `[${jobName}] Test notification`,
  text:
    `A test from the reference host for the job ${jobName}: this channel works.\n` +
    'When a run of it fails, ends with errors, awaits approval or has new warnings, a message like this one says its status, ' +
    'the change to monthly billing, the top warnings with their fixes' +
    (consoleUrl
      ? ` and a link to the run (${consoleUrl}/#/runs/…).\n`
      : ". Set the console's address (config set-smtp --console-url) to get a link to the run.\n"),
});
