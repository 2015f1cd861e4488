import type { TaskResult } from '../host/api.js';
import { logCode, type LogCode } from '../logging/codes.js';

/** Codes whose entries mean a line or a customer was left as it was, in the order an administrator fixes them. */
const SKIP_CODES: readonly LogCode[] = ['CW04', 'CW14', 'CW24', 'CW05', 'CW06', 'CW22', 'CW26', 'CW28'];

/**
 * One line that says how a run ended: status; updated, zeroed and created (written, planned but not
 * written, failed); what was skipped and why; and, when it failed, which coded errors say why.
 */
export function summarizeRun(result: Pick<TaskResult, 'status' | 'counts' | 'plan'>): string {
  const { status, counts, plan } = result;
  const count = (action: string, outcome?: string): number => plan.filter((p) => p.action === action && (outcome === undefined || p.outcome === outcome)).length;
  const written = plan.filter((p) => p.outcome === 'applied').length;
  const planned = plan.filter((p) => p.outcome === 'planned').length;
  const failed = plan.filter((p) => p.outcome === 'failed').length;
  const parts = [
    `${status}: ${count('update', 'applied')} updated, ${count('zero', 'applied')} zeroed, ${count('create', 'applied')} created`,
    `${written} written, ${planned} planned but not written, ${failed} failed`,
  ];
  const skipped = SKIP_CODES.filter((code) => (counts[code] ?? 0) > 0).map((code) => `${counts[code]} ${code} ${logCode(code).title.toLowerCase()}`);
  if (skipped.length > 0) parts.push(`skipped: ${skipped.join(', ')}`);
  if (status === 'Failed' || status === 'CompletedWithErrors') {
    const errors = Object.keys(counts)
      .filter((code) => code !== 'CW23' && logCode(code as LogCode).level === 'Error')
      .sort()
      .map((code) => `${code} ${logCode(code as LogCode).title}`);
    parts.push(`${status === 'Failed' ? 'failed' : 'errors'}: ${errors.join('; ') || 'see the log'}`);
  }
  return parts.join('; ');
}
