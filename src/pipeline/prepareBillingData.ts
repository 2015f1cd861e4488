import { CodedError } from '../errors.js';
import type { AtriaRow } from '../gateways/atria/AtriaGateway.js';
import { createInterner } from '../util/intern.js';
import { type BillingData, type CustomerBilling, type PendingEntry, type SkuLine, skuKey } from './types.js';

/** A plausible count: a safe whole number from 0 up to MaxQuantity (1e20 or 9007199254740993 are no licence counts). */
const isCount = (value: unknown, max: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max;

export interface PrepareSettings {
  customersFilter: readonly string[];
  periodEnd: string;
  maxQuantity: number;
}

/** Every column of a row: two rows alike in all of them are one service exported twice, not two services. */
const rowSignature = (row: AtriaRow): string =>
  JSON.stringify([
    row.customerCode,
    row.customerName,
    row.customerAccountCode,
    row.productSku,
    row.summaryGrouping,
    row.lastMonthCount ?? null,
    row.thisMonthCount ?? null,
  ]);

/**
 * Checks the period's rows are complete (resultCount), validates counts (CW28), refuses rows
 * duplicated in every column (CW28), sums rows of the same customer and SKU, and applies the
 * customer filter (CW25). Zero rows is the caller's CW15.
 */
export function prepareBillingData(
  rows: readonly AtriaRow[],
  settings: PrepareSettings,
): { data: BillingData; entries: PendingEntry[]; billableRows: number } {
  const { customersFilter, periodEnd, maxQuantity } = settings;
  assertComplete(rows);
  const notBillable: AtriaRow[] = [];
  // What each line's rows were: only rows of one customer and SKU can be duplicates. Most lines have
  // one row, so that row itself is kept, and signatures are made only when a second one arrives.
  const rowsOfLine = new Map<SkuLine, AtriaRow | Set<string>>();
  const entries: PendingEntry[] = [];
  const wanted = new Set(customersFilter.map((code) => code.trim().toLowerCase()));
  const customers = new Map<string, CustomerBilling>();
  const billedSkus = new Map<string, string>();
  // Each line keeps its SKU and groupings for the whole run: one copy of each, not one per row.
  const intern = createInterner();

  for (const row of rows) {
    // The row's own flag wins over the query: a server that ignored billableOnly must not bill free services.
    if (row.billable === false) {
      notBillable.push(row);
      continue;
    }
    const key = skuKey(row.productSku);
    const validCount = isCount(row.thisMonthCount, maxQuantity);
    // A SKU is billed this period when some row counts it above 0 (AllManagedSkus zeroes only such SKUs).
    if (key !== '' && validCount && (row.thisMonthCount as number) > 0 && !billedSkus.has(key)) billedSkus.set(key, row.productSku);
    const customerKey = row.customerCode.toLowerCase();
    if (wanted.size > 0 && !wanted.has(customerKey)) continue;

    let customer = customers.get(customerKey);
    if (!customer) {
      customer = {
        code: row.customerCode,
        name: row.customerName,
        accountCode: row.customerAccountCode,
        lines: new Map(),
        untouchableSkus: new Set(),
        linesWithoutSku: [],
      };
      customers.set(customerKey, customer);
    }
    if (!customer.accountCode && row.customerAccountCode) customer.accountCode = row.customerAccountCode;
    if (key === '') {
      customer.linesWithoutSku.push(row.summaryGrouping);
      continue;
    }
    if (customer.untouchableSkus.has(key)) continue;
    const line = customer.lines.get(key);
    let duplicated = false;
    const earlier = line && rowsOfLine.get(line);
    if (line && earlier) {
      const seen = earlier instanceof Set ? earlier : new Set([rowSignature(earlier)]);
      if (seen !== earlier) rowsOfLine.set(line, seen);
      const signature = rowSignature(row);
      duplicated = seen.has(signature);
      seen.add(signature);
    }
    if (!validCount || duplicated) {
      // Summing the remaining rows could under- or over-bill, so the whole SKU is left alone for this customer.
      customer.untouchableSkus.add(key);
      customer.lines.delete(key);
      const value = duplicated
        ? `${describeValue(row.thisMonthCount)} (this row appears more than once in the export, identical in every column)`
        : `${describeValue(row.thisMonthCount)}${typeof row.thisMonthCount === 'number' && row.thisMonthCount > maxQuantity && Number.isSafeInteger(row.thisMonthCount) ? ` (above MaxQuantity ${maxQuantity})` : ''}`;
      entries.push({
        code: 'CW28',
        params: {
          customerCode: row.customerCode,
          customerName: row.customerName,
          sku: row.productSku,
          lineDescription: row.summaryGrouping,
          value,
        },
        details: {
          customer: row.customerCode,
          sku: row.productSku,
          data: { thisMonthCount: row.thisMonthCount ?? null, reason: duplicated ? 'duplicated row' : 'invalid count' },
        },
      });
      continue;
    }
    const lastMonth = isCount(row.lastMonthCount, maxQuantity) ? row.lastMonthCount : null;
    if (!line) {
      const added: SkuLine = {
        sku: intern(row.productSku),
        quantity: row.thisMonthCount as number,
        lastMonth,
        groupings: row.summaryGrouping ? [intern(row.summaryGrouping)] : [],
      };
      customer.lines.set(key, added);
      rowsOfLine.set(added, row);
    } else {
      line.quantity += row.thisMonthCount as number;
      line.lastMonth = line.lastMonth === null || lastMonth === null ? null : line.lastMonth + lastMonth;
      if (row.summaryGrouping && !line.groupings.includes(row.summaryGrouping)) line.groupings.push(intern(row.summaryGrouping));
    }
  }

  // A filter that matches nobody processes nothing: each absent code says so, so the run is not mistaken for a quiet month.
  const nothingMatched = customersFilter.length > 0 && customers.size === 0;
  for (const code of customersFilter) {
    if (!customers.has(code.trim().toLowerCase())) {
      const suffix = nothingMatched ? ' — CustomersFilter matches no customer in this period, so nothing was processed' : undefined;
      entries.push({ code: 'CW25', params: { customerCode: code, periodEnd }, details: { customer: code, suffix } });
    }
  }
  if (notBillable.length > 0) entries.unshift(notBillableEntry(notBillable));
  return { data: { customers: [...customers.values()], billedSkus }, entries, billableRows: rows.length - notBillable.length };
}

/** One Verbose entry for every row Atria marked not billable, naming the first few. */
function notBillableEntry(rows: readonly AtriaRow[]): PendingEntry {
  const named = rows.slice(0, 5).map((row) => `${row.customerCode} ${row.productSku} ${describeValue(row.thisMonthCount)}`);
  const examples = named.join('; ') + (rows.length > named.length ? `; and ${rows.length - named.length} more` : '');
  return { code: 'CW36', params: { count: rows.length, examples }, details: { data: { rows: rows.length } } };
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
