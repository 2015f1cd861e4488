import { CancelledError, describeError, isUnreadable, throwIfAborted } from '../errors.js';
import type { ConnectWiseGateway } from '../gateways/connectwise/ConnectWiseGateway.js';
import { groupBy } from '../util/groupBy.js';
import { mapConcurrent } from '../util/limiter.js';
import { changeEntry } from './changeEntries.js';
import type { PendingEntry, PlannedChange } from './types.js';

export interface ApplySettings {
  concurrency: number;
  /** ISO date-time (UTC midnight) for created additions. */
  effectiveDate: string;
  signal?: AbortSignal;
}

export type ChangeOutcome = 'applied' | 'failed' | 'planned';

/**
 * Writes the plan: customers in parallel (bounded), one customer's changes in order. A failed
 * write is reported with its customer (CW10 update, CW12 create) and the others go on.
 * `emit` receives each customer's entries as soon as that customer is done.
 */
export async function applyPlan(
  changes: readonly PlannedChange[],
  gateway: ConnectWiseGateway,
  settings: ApplySettings,
  emit: (entries: PendingEntry[]) => void,
  /** Filled in place, so a cancelled run still knows which writes landed. */
  outcomes: ChangeOutcome[] = changes.map(() => 'planned'),
): Promise<ChangeOutcome[]> {
  const groups = groupBy(changes.keys(), (index) => changes[index].agreement.id);

  await mapConcurrent([...groups.values()], settings.concurrency, async (indexes) => {
    const entries: PendingEntry[] = [];
    try {
      for (const index of indexes) {
        throwIfAborted(settings.signal);
        const change = changes[index];
        try {
          await write(change, gateway, settings.effectiveDate);
          outcomes[index] = 'applied';
          entries.push(changeEntry(change, false));
        } catch (error) {
          if (error instanceof CancelledError) throw error;
          outcomes[index] = 'failed';
          entries.push(failureEntry(change, error));
        }
      }
    } finally {
      emit(entries);
    }
  });
  return outcomes;
}

async function write(change: PlannedChange, gateway: ConnectWiseGateway, effectiveDate: string): Promise<void> {
  if (change.action === 'create') {
    await gateway.createAddition(change.agreement.id, { productId: change.productId, quantity: change.after, description: change.lineDescription, effectiveDate });
  } else {
    await gateway.updateAdditionQuantity(change.agreement.id, change.additionId!, change.after);
  }
}

function failureEntry(change: PlannedChange, cause: unknown): PendingEntry {
  const error = describeError(cause);
  const details = { customer: change.customer.code, sku: change.sku, data: { agreementId: change.agreement.id, additionId: change.additionId, action: change.action } };
  if (isUnreadable(cause)) return { code: 'CW13', params: { error: `${change.customer.code} ${change.sku}: ${error}` }, details };
  if (change.action === 'create') {
    return { code: 'CW12', params: { customerName: change.customer.name, sku: change.sku, error }, details };
  }
  return { code: 'CW10', params: { customerCode: change.customer.code, lineDescription: change.lineDescription, sku: change.sku, error }, details };
}
