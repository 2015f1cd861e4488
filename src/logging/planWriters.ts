import type { PlanItem } from '../host/api.js';
import { csvLine, UTF8_BOM } from './writers.js';

const PLAN_COLUMNS = [
  'Customer',
  'CustomerName',
  'Company',
  'CompanyName',
  'AgreementId',
  'AgreementName',
  'AdditionId',
  'SKU',
  'Product',
  'Before',
  'After',
  'FreeUnits',
  'UnitPrice',
  'AmountBefore',
  'AmountAfter',
  'Change',
  'Currency',
  'Action',
  'Outcome',
];

/** The plan as CSV that Excel opens cleanly (BOM, CRLF, quoting): codes with their names, quantities with their money. */
export function planToCsv(plan: readonly PlanItem[]): string {
  let out = UTF8_BOM + csvLine(PLAN_COLUMNS);
  for (const p of plan)
    out += csvLine([
      p.customer,
      p.customerName ?? '',
      p.company,
      p.companyName ?? '',
      p.agreementId,
      p.agreementName ?? '',
      p.additionId ?? '',
      p.sku,
      p.product ?? '',
      p.before ?? '',
      p.after,
      p.freeUnits ?? '',
      p.unitPrice ?? '',
      p.amountBefore ?? '',
      p.amountAfter ?? '',
      p.amountChange ?? '',
      p.currency ?? '',
      p.action,
      p.outcome,
    ]);
  return out;
}
