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
  money: MoneyFigures;
}

/**
 * The run's change to monthly recurring billing, from its plan's amounts: what was written, or (a dry
 * run, or a run stopped before its writes) what would have been. Lines without a price are counted apart.
 */
export interface MoneyFigures {
  basis: 'written' | 'planned';
  /** The one currency of the lines, 'mixed' when agreements bill in several, undefined when none is given. */
  currency?: string;
  change: number;
  increases: number;
  decreases: number;
  created: number;
  zeroed: number;
  /** Lines with a price (their change is in the figures), and lines ConnectWise gave none for (not counted). */
  priced: number;
  unpriced: number;
  /** Per customer, largest change first. */
  byCustomer: { customer: string; customerName?: string; change: number }[];
}

export function moneyFigures(plan: TaskResult['plan']): MoneyFigures {
  const written = plan.filter((p) => p.outcome === 'applied');
  const basis = written.length > 0 ? 'written' : 'planned';
  const lines = basis === 'written' ? written : plan.filter((p) => p.outcome === 'planned');
  const priced = lines.filter((p) => p.amountChange !== undefined);
  // Summed in cents: no floating-point drift across thousands of lines.
  const sum = (items: typeof priced): number => items.reduce((total, p) => total + Math.round(p.amountChange! * 100), 0) / 100;
  const currencies = new Set(priced.map((p) => p.currency).filter((c): c is string => c !== undefined));
  const perCustomer = new Map<string, { customer: string; customerName?: string; lines: typeof priced }>();
  for (const p of priced) {
    const entry = perCustomer.get(p.customer) ?? { customer: p.customer, customerName: p.customerName, lines: [] };
    entry.lines.push(p);
    perCustomer.set(p.customer, entry);
  }
  return {
    basis,
    currency: currencies.size > 1 ? 'mixed' : [...currencies][0],
    change: sum(priced),
    increases: sum(priced.filter((p) => p.action === 'update' && p.amountChange! > 0)),
    decreases: sum(priced.filter((p) => p.action === 'update' && p.amountChange! < 0)),
    created: sum(priced.filter((p) => p.action === 'create')),
    zeroed: sum(priced.filter((p) => p.action === 'zero')),
    priced: priced.length,
    unpriced: lines.length - priced.length,
    byCustomer: [...perCustomer.values()]
      .map(({ customer, customerName, lines: items }) => ({ customer, ...(customerName ? { customerName } : {}), change: sum(items) }))
      .sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.customer.localeCompare(b.customer)),
  };
}

/** An amount with its sign and two decimals, thousands grouped: +1,234.50 or -12.00. */
export function formatMoney(amount: number, currency?: string): string {
  const text = Math.abs(amount).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${amount < 0 ? '-' : '+'}${text}${currency && currency !== 'mixed' ? ` ${currency}` : ''}`;
}

/** "monthly billing +12.00 USD (+20.00 up, -8.00 down, +0.00 new, -0.00 zeroed)", or undefined when no line has a price. */
export function describeMoney(m: MoneyFigures): string | undefined {
  if (m.priced === 0) return undefined;
  const parts = [
    `${formatMoney(m.increases)} up`,
    `${formatMoney(m.decreases)} down`,
    `${formatMoney(m.created)} new`,
    `${formatMoney(m.zeroed)} zeroed`,
  ];
  if (m.unpriced > 0) parts.push(`${m.unpriced} line${m.unpriced === 1 ? '' : 's'} without a price not counted`);
  if (m.currency === 'mixed') parts.push('agreements in several currencies');
  return `${m.basis === 'written' ? 'monthly billing' : 'monthly billing would change by'} ${formatMoney(m.change, m.currency)} (${parts.join(', ')})`;
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
    money: moneyFigures(plan),
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
  const money = describeMoney(f.money);
  if (money) parts.push(money);
  if (f.skipped.length > 0) parts.push(`skipped: ${f.skipped.map((s) => `${s.count} ${s.code} ${s.title.toLowerCase()}`).join(', ')}`);
  if (f.status === 'Failed' || f.status === 'CompletedWithErrors') {
    parts.push(
      `${f.status === 'Failed' ? 'failed' : 'errors'}: ${f.errors.map((e) => `${e.code} ${e.title}`).join('; ') || 'see the log'}`,
    );
  }
  return parts.join('; ');
}
