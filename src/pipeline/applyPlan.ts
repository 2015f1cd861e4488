import { CancelledError, describeError, isOutcomeUnknown, isUnreadable, throwIfAborted } from '../errors.js';
import type { ConnectWiseGateway } from '../gateways/connectwise/ConnectWiseGateway.js';
import { groupBy } from '../util/groupBy.js';
import { mapConcurrent } from '../util/limiter.js';
import { changeEntry } from './changeEntries.js';
import type { PendingEntry, PlannedChange } from './types.js';

export interface ApplySettings {
  concurrency: number;
  signal?: AbortSignal;
  /** Called before every write; throws to stop the run there (an unwritable log). */
  beforeWrite?: () => void;
}

/** `unknown`: a create whose answer was lost; the end-of-run check finds it (applied) or not (failed). */
export type ChangeOutcome = 'applied' | 'failed' | 'planned' | 'unknown';

/** Each change's outcome (in the plan's order), the lost answers' errors by change, and what stopped the writes if anything did. */
export interface ApplyResult {
  outcomes: ChangeOutcome[];
  unknownErrors: Map<number, string>;
  /** The id ConnectWise gave each addition this run created, by change. */
  createdIds: Map<number, number>;
  error?: unknown;
}

/**
 * Writes the plan: customers in parallel (bounded), one customer's changes in order. A failed
 * write is reported with its customer (CW10 update, CW12 create) and the others go on.
 * Each write's entry goes to `emit` the moment ConnectWise confirms it (the log is the audit
 * trail); `customerDone` is called once per agreement when its writes are over. A create whose
 * answer was lost is left `unknown` (its error in `unknownErrors`) for the end-of-run check.
 */
export async function applyPlan(
  changes: readonly PlannedChange[],
  gateway: ConnectWiseGateway,
  settings: ApplySettings,
  emit: (entries: PendingEntry[]) => void,
  customerDone: () => void,
): Promise<ApplyResult> {
  const outcomes: ChangeOutcome[] = changes.map(() => 'planned');
  const unknownErrors = new Map<number, string>();
  const createdIds = new Map<number, number>();
  const groups = groupBy(changes.keys(), (index) => changes[index]!.agreement.id);

  const writing = mapConcurrent([...groups.values()], settings.concurrency, async (indexes) => {
    try {
      for (const index of indexes) {
        throwIfAborted(settings.signal);
        settings.beforeWrite?.();
        const change = changes[index]!;
        let entries: PendingEntry[];
        try {
          const written = await write(change, gateway);
          entries = written.entries;
          if (written.createdId !== undefined) createdIds.set(index, written.createdId);
          outcomes[index] = 'applied';
        } catch (error) {
          if (error instanceof CancelledError) throw error;
          if (change.action === 'create' && isOutcomeUnknown(error)) {
            // Never retried: whether it landed is told by the end-of-run check (CW08 or CW35), which names this error.
            outcomes[index] = 'unknown';
            unknownErrors.set(index, describeError(error));
            continue;
          }
          outcomes[index] = 'failed';
          entries = [failureEntry(change, error)];
        }
        emit(entries);
      }
    } finally {
      customerDone();
    }
  });
  // A cancel or an unwritable log stops the writes: what landed before is still in the outcomes.
  return writing.then(
    () => ({ outcomes, unknownErrors, createdIds }),
    (error: unknown) => ({ outcomes, unknownErrors, createdIds, error }),
  );
}

/** One write; its entries (the change, and for a created addition that ConnectWise priced at 0, CW32) and a created addition's id. */
async function write(change: PlannedChange, gateway: ConnectWiseGateway): Promise<{ entries: PendingEntry[]; createdId?: number }> {
  if (change.action !== 'create') {
    await gateway.updateAdditionQuantity(change.agreement.id, change.additionId!, change.after);
    return { entries: [changeEntry(change, false)] };
  }
  const created = await gateway.createAddition(change.agreement.id, {
    productId: change.productId,
    quantity: change.after,
    description: change.lineDescription,
    effectiveDate: change.effectiveDate,
  });
  const entries = [changeEntry({ ...change, additionId: created.id }, false)];
  // The price comes from the catalog, never from us: a 0 there bills nothing, which an administrator must hear about.
  if (created.unitPrice === 0) {
    entries.push({
      code: 'CW32',
      params: { customerCode: change.customer.code, additionId: created.id, sku: change.sku, agreementId: change.agreement.id },
      details: {
        customer: change.customer.code,
        sku: change.sku,
        data: { agreementId: change.agreement.id, additionId: created.id, unitPrice: 0 },
      },
    });
  }
  return { entries, createdId: created.id };
}

function failureEntry(change: PlannedChange, cause: unknown): PendingEntry {
  const error = describeError(cause);
  const details = {
    customer: change.customer.code,
    sku: change.sku,
    data: { agreementId: change.agreement.id, additionId: change.additionId, action: change.action },
  };
  if (isUnreadable(cause)) return { code: 'CW13', params: { error: `${change.customer.code} ${change.sku}: ${error}` }, details };
  if (change.action === 'create') {
    return { code: 'CW12', params: { customerName: change.customer.name, sku: change.sku, error }, details };
  }
  return {
    code: 'CW10',
    params: { customerCode: change.customer.code, lineDescription: change.lineDescription, sku: change.sku, error },
    details,
  };
}
