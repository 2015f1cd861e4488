import type { PlanItem } from '../../src/host/api.js';
import { escapeControl, formatMoney } from '../../src/index.js';

const quantity = (n: number | null): string => (n === null ? '-' : String(n));

/** A run's plan for the terminal: one aligned row per addition, what changes and what happened to it. */
export function planTable(plan: readonly PlanItem[]): string {
  if (plan.length === 0) return 'No changes.\n';
  const rows = [
    ['Customer', 'Company', 'Agreement', 'Addition', 'SKU', 'Product', 'Change', 'Monthly', 'Action', 'Outcome'],
    ...plan.map((p) => [
      p.customer,
      p.company,
      String(p.agreementId),
      p.additionId === null ? '(new)' : String(p.additionId),
      p.sku,
      p.product ?? '',
      `${quantity(p.before)} → ${quantity(p.after)}${p.freeUnits ? ` (${p.freeUnits} free)` : ''}`,
      p.amountChange === undefined ? 'no price' : formatMoney(p.amountChange, p.currency),
      p.action,
      p.outcome,
    ]),
  ].map((row) => row.map((cell) => escapeControl(cell)));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
