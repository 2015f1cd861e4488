import { CodedError } from '../errors.js';
import type { AtriaRow } from '../gateways/atria/AtriaGateway.js';
import { type BillingData, type CustomerBilling, type PendingEntry, skuKey } from './types.js';

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/**
 * Checks the period's rows are complete (resultCount), validates counts (CW28), sums rows of the
 * same customer and SKU, and applies the customer filter (CW25). Zero rows is the caller's CW15.
 */
export function prepareBillingData(rows: readonly AtriaRow[], customersFilter: readonly string[], periodEnd: string): { data: BillingData; entries: PendingEntry[] } {
  assertComplete(rows);
  const entries: PendingEntry[] = [];
  const wanted = new Set(customersFilter.map((code) => code.trim().toLowerCase()));
  const customers = new Map<string, CustomerBilling>();
  const billedSkus = new Set<string>();

  for (const row of rows) {
    const key = skuKey(row.productSku);
    const validCount = isCount(row.thisMonthCount);
    if (key !== '' && validCount) billedSkus.add(key);
    const customerKey = row.customerCode.toLowerCase();
    if (wanted.size > 0 && !wanted.has(customerKey)) continue;

    let customer = customers.get(customerKey);
    if (!customer) {
      customer = { code: row.customerCode, name: row.customerName, accountCode: row.customerAccountCode, lines: new Map(), untouchableSkus: new Set(), linesWithoutSku: [] };
      customers.set(customerKey, customer);
    }
    if (!customer.accountCode && row.customerAccountCode) customer.accountCode = row.customerAccountCode;
    if (key === '') {
      customer.linesWithoutSku.push(row.summaryGrouping);
      continue;
    }
    if (customer.untouchableSkus.has(key)) continue;
    if (!validCount) {
      // Summing the remaining rows could under-bill, so the whole SKU is left alone for this customer.
      customer.untouchableSkus.add(key);
      customer.lines.delete(key);
      entries.push({
        code: 'CW28',
        params: { customerCode: row.customerCode, customerName: row.customerName, sku: row.productSku, lineDescription: row.summaryGrouping, value: describeValue(row.thisMonthCount) },
        details: { customer: row.customerCode, sku: row.productSku, data: { thisMonthCount: row.thisMonthCount ?? null } },
      });
      continue;
    }
    const line = customer.lines.get(key);
    const lastMonth = isCount(row.lastMonthCount) ? row.lastMonthCount : null;
    if (!line) {
      customer.lines.set(key, { sku: row.productSku, quantity: row.thisMonthCount as number, lastMonth, groupings: row.summaryGrouping ? [row.summaryGrouping] : [] });
    } else {
      line.quantity += row.thisMonthCount as number;
      line.lastMonth = line.lastMonth === null || lastMonth === null ? null : line.lastMonth + lastMonth;
      if (row.summaryGrouping && !line.groupings.includes(row.summaryGrouping)) line.groupings.push(row.summaryGrouping);
    }
  }

  for (const code of customersFilter) {
    if (!customers.has(code.trim().toLowerCase())) {
      entries.push({ code: 'CW25', params: { customerCode: code, periodEnd }, details: { customer: code } });
    }
  }
  return { data: { customers: [...customers.values()], billedSkus }, entries };
}

/** Fewer rows than resultCount, or rows that disagree on it, mean Atria's export was cut short. */
function assertComplete(rows: readonly AtriaRow[]): void {
  if (rows.length === 0) return;
  const declared = new Set(rows.map((row) => row.resultCount));
  const [total] = declared;
  if (declared.size !== 1 || typeof total !== 'number' || total !== rows.length) {
    const detail =
      declared.size !== 1
        ? `incomplete data from Atria: rows disagree on resultCount (${[...declared].slice(0, 5).map(String).join(', ')})`
        : `incomplete data from Atria: received ${rows.length} rows, resultCount is ${String(total)}`;
    throw new CodedError('CW13', { error: detail }, detail);
  }
}

function describeValue(value: unknown): string {
  if (value === undefined || value === null || value === '') return '(missing)';
  const text = typeof value === 'string' ? `"${value}"` : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
