import type { AtriaRow, BillingPeriod } from './AtriaGateway.js';

/**
 * The one place that knows Atria's field names. Adapting to the real API's names is a change
 * to this file only: JSON rows (camelCase), and the Service Billing Summary CSV columns.
 */
export const CSV_COLUMNS = {
  customerCode: 'Customer Code',
  customerName: 'Customer Name',
  customerAccountCode: 'Customer Account Code',
  productSku: 'Product SKU',
  billableFlag: 'Billable Flag',
  summaryGrouping: 'Summary Grouping',
  lastMonthCount: 'Last Month Count',
  difference: 'Difference',
  thisMonthCount: 'This Month Count',
  resultCount: 'ResultCount',
} as const;

const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value).trim());

export function rowFromJson(raw: unknown): AtriaRow {
  const row = (raw ?? {}) as Record<string, unknown>;
  return {
    customerCode: text(row.customerCode),
    customerName: text(row.customerName),
    customerAccountCode: text(row.customerAccountCode),
    productSku: text(row.productSku),
    summaryGrouping: text(row.summaryGrouping),
    lastMonthCount: row.lastMonthCount,
    thisMonthCount: row.thisMonthCount,
    resultCount: row.resultCount,
    billable: !saysNotBillable(row.billable),
  };
}

/** Plain digits, optionally in thousands groups (1500, 1,500); never 1e3, 0x10, 0b101, 1,5 or 1.0. */
const PLAIN_COUNT = /^(\d+|\d{1,3}(,\d{3})+)$/;

/**
 * A CSV count cell: empty is missing; plain digits are the number they spell; anything else stays
 * the text it is, so validation refuses it and the log shows what the cell held.
 */
const csvCount = (cell: string | undefined): unknown => {
  const value = text(cell);
  if (value === '') return undefined;
  return PLAIN_COUNT.test(value) ? Number(value.replace(/,/g, '')) : value;
};

export function rowFromCsv(record: Record<string, string>): AtriaRow {
  return {
    customerCode: text(record[CSV_COLUMNS.customerCode]),
    customerName: text(record[CSV_COLUMNS.customerName]),
    customerAccountCode: text(record[CSV_COLUMNS.customerAccountCode]),
    productSku: text(record[CSV_COLUMNS.productSku]),
    summaryGrouping: text(record[CSV_COLUMNS.summaryGrouping]),
    lastMonthCount: csvCount(record[CSV_COLUMNS.lastMonthCount]),
    thisMonthCount: csvCount(record[CSV_COLUMNS.thisMonthCount]),
    resultCount: csvCount(record[CSV_COLUMNS.resultCount]),
    billable: !saysNotBillable(record[CSV_COLUMNS.billableFlag]),
  };
}

/**
 * A billable flag that says "not billable": JSON false, or a cell or string false/no/n/0. A missing
 * flag is no such statement (the rows were asked for billable only).
 */
const saysNotBillable = (flag: unknown): boolean =>
  flag === false || flag === 0 || /^(false|no|0|n)$/i.test(typeof flag === 'string' ? flag.trim() : '');

export function periodFromJson(raw: unknown): BillingPeriod {
  const period = (raw ?? {}) as Record<string, unknown>;
  return { startDate: text(period.startDate).slice(0, 10), endDate: text(period.endDate).slice(0, 10), status: text(period.status) };
}
