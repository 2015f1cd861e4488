import type { LogEntry, PlanItem } from '../../src/host/api.js';
import type { RunRecord } from './runRecords.js';

/** What one customer's lines did in one run: how many, the units added or removed, the monthly money. */
export interface CustomerChange {
  lines: number;
  units: number;
  money: number;
}

export interface RunComparison {
  previous: { runId: string; startedAt: string; period?: RunRecord['period']; dryRun?: boolean } | null;
  /** Per customer, this run beside the previous one; customers in either, largest money change first. */
  customers: { customer: string; customerName?: string; current: CustomerChange; previous: CustomerChange }[];
  /** Warnings and errors by code, customer and SKU: new in this run, seen in the previous one too, or gone since. */
  warnings: { code: string; customer?: string; sku?: string; message: string; state: 'new' | 'recurring' | 'resolved' }[];
  currency?: string;
}

const NONE: CustomerChange & { customerName?: string } = { lines: 0, units: 0, money: 0 };

/** The run the comparison is with: the job's latest earlier run that wrote (not a dry run) and finished. */
export function previousRunOf(current: RunRecord, runs: readonly RunRecord[]): RunRecord | undefined {
  return runs
    .filter((r) => r.jobId === current.jobId && r.runId !== current.runId && r.startedAt < current.startedAt)
    .filter((r) => !r.dryRun && r.status !== 'Running' && r.status !== 'Interrupted')
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
}

function byCustomer(plan: readonly PlanItem[]): Map<string, CustomerChange & { customerName?: string }> {
  const out = new Map<string, CustomerChange & { customerName?: string }>();
  for (const p of plan) {
    if (p.outcome === 'failed') continue;
    const entry = out.get(p.customer) ?? { lines: 0, units: 0, money: 0, customerName: p.customerName };
    entry.lines++;
    entry.units += p.after - (p.before ?? 0);
    // In cents while summing, as the run's own figures are.
    entry.money = Math.round(entry.money * 100 + Math.round((p.amountChange ?? 0) * 100)) / 100;
    out.set(p.customer, entry);
  }
  return out;
}

/** One warning's identity across runs: its code, customer and SKU. */
export const warningKey = (e: Pick<LogEntry, 'code' | 'customer' | 'sku'>): string =>
  `${e.code}\u0000${e.customer ?? ''}\u0000${e.sku ?? ''}`;
/** An entry that needs the administrator: a warning or an error (the run's closing CW23 aside). */
export const isWarning = (e: LogEntry): boolean => (e.level === 'Warning' || e.level === 'Error') && e.code !== 'CW23';

/** This run beside the previous one: per customer, and its warnings as new, recurring or resolved. */
export function compareRuns(
  current: { plan: readonly PlanItem[]; log: readonly LogEntry[] },
  previous: { record: RunRecord; plan: readonly PlanItem[]; log: readonly LogEntry[] } | undefined,
): RunComparison {
  const now = byCustomer(current.plan);
  const before = byCustomer(previous?.plan ?? []);
  const customers = [...new Set([...now.keys(), ...before.keys()])]
    .map((customer) => {
      const { customerName: nameNow, ...currentChange } = now.get(customer) ?? NONE;
      const { customerName: nameBefore, ...previousChange } = before.get(customer) ?? NONE;
      const customerName = nameNow ?? nameBefore;
      return { customer, ...(customerName ? { customerName } : {}), current: currentChange, previous: previousChange };
    })
    .sort((a, b) => Math.abs(b.current.money) - Math.abs(a.current.money) || a.customer.localeCompare(b.customer));
  const seenBefore = new Set((previous?.log ?? []).filter(isWarning).map(warningKey));
  const seenNow = new Set<string>();
  const warnings: RunComparison['warnings'] = [];
  for (const e of current.log.filter(isWarning)) {
    if (seenNow.has(warningKey(e))) continue;
    seenNow.add(warningKey(e));
    warnings.push({
      code: e.code,
      customer: e.customer,
      sku: e.sku,
      message: e.message,
      state: seenBefore.has(warningKey(e)) ? 'recurring' : 'new',
    });
  }
  for (const e of (previous?.log ?? []).filter(isWarning)) {
    if (seenNow.has(warningKey(e))) continue;
    seenNow.add(warningKey(e));
    warnings.push({ code: e.code, customer: e.customer, sku: e.sku, message: e.message, state: 'resolved' });
  }
  const currencies = new Set([...current.plan, ...(previous?.plan ?? [])].map((p) => p.currency).filter(Boolean));
  return {
    previous: previous
      ? {
          runId: previous.record.runId,
          startedAt: previous.record.startedAt,
          period: previous.record.period,
          dryRun: previous.record.dryRun,
        }
      : null,
    customers,
    warnings,
    ...(currencies.size === 1 ? { currency: [...currencies][0] } : {}),
  };
}
