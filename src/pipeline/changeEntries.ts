import { formatQuantity, type PendingEntry, type PlannedChange } from './types.js';

/** The codes of entries that describe a write. */
export const WRITE_CODES: ReadonlySet<string> = new Set(['CW07', 'CW08', 'CW20']);

/** The entry that reports a change (CW07 update, CW20 zero, CW08 create), applied or planned. */
export function changeEntry(change: PlannedChange, dryRun: boolean): PendingEntry {
  const { customer, sku, lineDescription } = change;
  const details = {
    customer: customer.code,
    sku,
    prefix: dryRun ? '[DryRun] ' : undefined,
    data: {
      agreementId: change.agreement.id,
      additionId: change.additionId,
      before: change.before,
      after: change.after,
      action: change.action,
    },
  };
  switch (change.action) {
    case 'update':
      return {
        code: 'CW07',
        params: {
          customerCode: customer.code,
          lineDescription,
          sku,
          before: formatQuantity(change.before ?? 0),
          after: formatQuantity(change.after),
        },
        details,
      };
    case 'zero':
      return {
        code: 'CW20',
        params: { customerName: customer.name, lineDescription, sku, before: formatQuantity(change.before ?? 0) },
        details,
      };
    case 'create':
      return { code: 'CW08', params: { customerCode: customer.code, lineDescription, sku }, details };
  }
}
