import type { AtriaRow } from '../../src/gateways/atria/AtriaGateway.js';

/** One Atria row as the gateway gives it: the customer's name and Billing Identifier derived from its code. */
export const atriaRow = (customerCode: string, sku: string, thisMonthCount: unknown, extra: Partial<AtriaRow> = {}): AtriaRow => ({
  customerCode,
  customerName: `${customerCode} Ltd`,
  customerAccountCode: customerCode.toUpperCase(),
  productSku: sku,
  summaryGrouping: `${sku} line`,
  lastMonthCount: thisMonthCount,
  thisMonthCount,
  resultCount: 0,
  billable: true,
  ...extra,
});

/** The rows of a whole export: each says how many rows the export has (resultCount). */
export const completeExport = (rows: AtriaRow[]): AtriaRow[] => rows.map((r) => ({ ...r, resultCount: rows.length }));
