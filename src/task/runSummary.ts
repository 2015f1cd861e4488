import type { TaskResult } from '../host/api.js';
import { logCode, type LogCode } from '../logging/codes.js';

/** Codes whose entries mean a line or a customer was left as it was, in the order an administrator fixes them. */
const SKIP_CODES: readonly LogCode[] = ['CW04', 'CW14', 'CW24', 'CW05', 'CW06', 'CW22', 'CW26', 'CW28', 'CW29'];

export interface RunFigures {
  status: TaskResult['status'];
  /** Writes ConnectWise confirmed, by action. */
  written: { update: number; zero: number; create: number };
  /** Decided but not written: a dry run, the safety guard, a cancel or a deadline. */
  planned: number;
  failed: number;
  /** Skipped lines or customers, per code, with the code's title. */
  skipped: { code: LogCode; count: number; title: string }[];
  /** Error-level codes logged (the reasons a run failed or completed with errors). */
  errors: { code: LogCode; title: string }[];
}

/** What a run did, from its result: the one source for the CLI's table and the host's line. */
export function runFigures(result: Pick<TaskResult, 'status' | 'counts' | 'plan'>): RunFigures {
  const { status, counts, plan } = result;
  const applied = (action: string): number => plan.filter((p) => p.action === action && p.outcome === 'applied').length;
  return {
    status,
    written: { update: applied('update'), zero: applied('zero'), create: applied('create') },
    planned: plan.filter((p) => p.outcome === 'planned').length,
    failed: plan.filter((p) => p.outcome === 'failed').length,
    skipped: SKIP_CODES.filter((code) => (counts[code] ?? 0) > 0).map((code) => ({
      code,
      count: counts[code]!,
      title: logCode(code).title,
    })),
    errors: (Object.keys(counts) as LogCode[])
      .filter((code) => code !== 'CW23' && logCode(code).level === 'Error')
      .sort()
      .map((code) => ({ code, title: logCode(code).title })),
  };
}

/**
 * One line that says how a run ended: status; updated, zeroed and created (written, planned but not
 * written, failed); what was skipped and why; and, when it failed, which coded errors say why.
 */
export function summarizeRun(result: Pick<TaskResult, 'status' | 'counts' | 'plan'>): string {
  const f = runFigures(result);
  const total = f.written.update + f.written.zero + f.written.create;
  const parts = [
    `${f.status}: ${f.written.update} updated, ${f.written.zero} zeroed, ${f.written.create} created`,
    `${total} written, ${f.planned} planned but not written, ${f.failed} failed`,
  ];
  if (f.skipped.length > 0) parts.push(`skipped: ${f.skipped.map((s) => `${s.count} ${s.code} ${s.title.toLowerCase()}`).join(', ')}`);
  if (f.status === 'Failed' || f.status === 'CompletedWithErrors') {
    parts.push(
      `${f.status === 'Failed' ? 'failed' : 'errors'}: ${f.errors.map((e) => `${e.code} ${e.title}`).join('; ') || 'see the log'}`,
    );
  }
  return parts.join('; ');
}
