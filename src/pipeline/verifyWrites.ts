import { CancelledError, describeError } from '../errors.js';
import { isBillableAddition, isLiveAddition } from './additionRules.js';
import type { AdditionSummary, ConnectWiseGateway } from '../gateways/connectwise/ConnectWiseGateway.js';
import { groupBy } from '../util/groupBy.js';
import { mapConcurrent } from '../util/limiter.js';
import type { ChangeOutcome } from './applyPlan.js';
import { changeEntry } from './changeEntries.js';
import type { PendingEntry, PlannedChange } from './types.js';

export interface Verification {
  entries: PendingEntry[];
  /** The outcomes with each `unknown` create resolved: found on the agreement (applied) or not (failed). */
  outcomes: ChangeOutcome[];
}

/**
 * After the writes (spec 6.8): re-reads each agreement on which this run created, or tried to
 * create, an addition. A create whose answer was lost is found there (CW08 noting the late answer)
 * or not (CW35: re-run to create it). Two or more live Billable additions of such a product (a POST
 * that ConnectWise applied late, a run on another machine) are CW31, naming the ids to remove.
 * Nothing is deleted or cancelled here: the log says what to fix.
 */
export async function verifyCreatedAdditions(
  changes: readonly PlannedChange[],
  outcomes: readonly ChangeOutcome[],
  unknownErrors: ReadonlyMap<number, string>,
  gateway: ConnectWiseGateway,
  concurrency: number,
): Promise<Verification> {
  const resolved = [...outcomes];
  const attempted = [...changes.keys()].filter((index) => changes[index]!.action === 'create' && outcomes[index] !== 'planned');
  const byAgreement = [...groupBy(attempted, (index) => changes[index]!.agreement.id).values()];
  const perAgreement = await mapConcurrent(byAgreement, concurrency, async (indexes): Promise<PendingEntry[]> => {
    const created = indexes.map((index) => changes[index]!);
    const { agreement, customer } = created[0]!;
    let additions: AdditionSummary[];
    try {
      additions = await gateway.listAdditions(agreement.id);
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      const unknown = indexes.filter((index) => outcomes[index] === 'unknown').map((index) => changes[index]!.sku);
      return [
        {
          code: 'CW10',
          params: {
            customerCode: customer.code,
            lineDescription: `(verification of the additions created on agreement ${agreement.id})`,
            sku: created.map((c) => c.sku).join(', '),
            error: describeError(error),
          },
          details: {
            customer: customer.code,
            data: {
              agreementId: agreement.id,
              verification: 'not done: check the agreement for duplicate or missing additions',
              outcomeUnknown: unknown,
            },
          },
        },
      ];
    }
    const entries: PendingEntry[] = [];
    for (const index of indexes) {
      const change = changes[index]!;
      const live = additions.filter(
        (a) => a.productId === change.productId && isBillableAddition(a) && isLiveAddition(a, change.effectiveDate),
      );
      if (outcomes[index] === 'unknown')
        entries.push(resolveUnknown(change, live, unknownErrors.get(index) ?? 'no answer', (outcome) => (resolved[index] = outcome)));
      if (live.length < 2) continue;
      const ids = live.map((a) => a.id);
      entries.push({
        code: 'CW31',
        params: {
          customerCode: customer.code,
          agreementId: agreement.id,
          count: live.length,
          additionIds: ids.join(', '),
          sku: change.sku,
        },
        details: {
          customer: customer.code,
          sku: change.sku,
          data: { agreementId: agreement.id, additionIds: ids, quantities: live.map((a) => a.quantity) },
        },
      });
    }
    return entries;
  });
  return { entries: perAgreement.flat(), outcomes: resolved };
}

/** A create whose answer was lost: the product had no live Billable addition before it, so one there now is the one it made. */
function resolveUnknown(
  change: PlannedChange,
  live: readonly AdditionSummary[],
  error: string,
  settle: (outcome: ChangeOutcome) => void,
): PendingEntry {
  const found = live[live.length - 1];
  if (found) {
    settle('applied');
    const entry = changeEntry({ ...change, additionId: found.id }, false);
    return {
      ...entry,
      details: {
        ...entry.details,
        suffix: ` (ConnectWise's answer was lost: ${error}; addition ${found.id} was found on the agreement afterwards)`,
        data: { ...entry.details.data, lateAnswer: true },
      },
    };
  }
  settle('failed');
  const { customer, agreement, sku } = change;
  return {
    code: 'CW35',
    params: { customerCode: customer.code, sku, agreementId: agreement.id, error },
    details: { customer: customer.code, sku, data: { agreementId: agreement.id, quantity: change.after, action: 'create' } },
  };
}
