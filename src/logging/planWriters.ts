import type { PlanItem } from '../host/api.js';
import { csvLine, UTF8_BOM } from './writers.js';

const PLAN_COLUMNS = ['Customer', 'Company', 'AgreementId', 'AdditionId', 'SKU', 'Before', 'After', 'FreeUnits', 'Action', 'Outcome'];

/** The plan as CSV that Excel opens cleanly (BOM, CRLF, quoting). */
export function planToCsv(plan: readonly PlanItem[]): string {
  let out = UTF8_BOM + csvLine(PLAN_COLUMNS);
  for (const p of plan)
    out += csvLine([
      p.customer,
      p.company,
      p.agreementId,
      p.additionId ?? '',
      p.sku,
      p.before ?? '',
      p.after,
      p.freeUnits ?? '',
      p.action,
      p.outcome,
    ]);
  return out;
}

export const planToJson = (plan: readonly PlanItem[]): string => JSON.stringify(plan, null, 2) + '\n';
