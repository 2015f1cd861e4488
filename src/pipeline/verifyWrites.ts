import { CancelledError, describeError } from '../errors.js';
import { isLiveAddition } from '../gateways/connectwise/additionRules.js';
import type { ConnectWiseGateway } from '../gateways/connectwise/ConnectWiseGateway.js';
import { groupBy } from '../util/groupBy.js';
import { mapConcurrent } from '../util/limiter.js';
import type { ChangeOutcome } from './applyPlan.js';
import type { PendingEntry, PlannedChange } from './types.js';

/**
 * After the writes (spec 6.8): re-reads each agreement on which this run created, or tried to
 * create, an addition. Two or more live additions of such a product (a POST that ConnectWise applied
 * after the client gave up on it, a run on another machine) are CW31, naming the ids to remove.
 * Nothing is deleted or cancelled here: the log says what to fix.
 */
export async function verifyCreatedAdditions(
  changes: readonly PlannedChange[],
  outcomes: readonly ChangeOutcome[],
  gateway: ConnectWiseGateway,
  concurrency: number,
): Promise<PendingEntry[]> {
  const attempted = changes.filter((change, index) => change.action === 'create' && outcomes[index] !== 'planned');
  const byAgreement = [...groupBy(attempted, (change) => change.agreement.id).values()];
  const perAgreement = await mapConcurrent(byAgreement, concurrency, async (created): Promise<PendingEntry[]> => {
    const { agreement, customer } = created[0]!;
    let additions;
    try {
      additions = await gateway.listAdditions(agreement.id);
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      return [{
        code: 'CW10',
        params: { customerCode: customer.code, lineDescription: `(verification of the additions created on agreement ${agreement.id})`, sku: created.map((c) => c.sku).join(', '), error: describeError(error) },
        details: { customer: customer.code, data: { agreementId: agreement.id, verification: 'not done: check the agreement for duplicate additions' } },
      }];
    }
    const entries: PendingEntry[] = [];
    for (const change of created) {
      const live = additions.filter((a) => a.productId === change.productId && isLiveAddition(a, change.effectiveDate));
      if (live.length < 2) continue;
      const ids = live.map((a) => a.id);
      entries.push({
        code: 'CW31',
        params: { customerCode: customer.code, agreementId: agreement.id, count: live.length, additionIds: ids.join(', '), sku: change.sku },
        details: { customer: customer.code, sku: change.sku, data: { agreementId: agreement.id, additionIds: ids, quantities: live.map((a) => a.quantity) } },
      });
    }
    return entries;
  });
  return perAgreement.flat();
}
