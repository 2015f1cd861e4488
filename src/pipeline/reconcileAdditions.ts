import { CancelledError, describeError, isUnreadable } from '../errors.js';
import { isLiveAddition, notBefore } from '../gateways/connectwise/additionRules.js';
import type { AdditionSummary, AgreementSummary, ConnectWiseGateway } from '../gateways/connectwise/ConnectWiseGateway.js';
import { groupBy } from '../util/groupBy.js';
import { createInterner } from '../util/intern.js';
import { forEachConcurrentInOrder } from '../util/limiter.js';
import { type Catalog, type MappedCustomer, type PendingEntry, type Plan, type PlannedChange, type SkuLine, sameQuantity } from './types.js';

export interface ReconcileSettings {
  allowCreate: boolean;
  removalScope: 'ReportedRemovals' | 'AllManagedSkus';
  concurrency: number;
  /** The effective date (UTC midnight, ISO) NewAdditionEffectiveDate gives; per agreement never before its bill start. */
  effectiveDate: string;
}

/** The date a new addition on this agreement gets: the run's date, or the agreement's bill start when that is later. */
export const effectiveDateFor = (agreement: AgreementSummary, runDate: string): string => notBefore(runDate, agreement.billStartDate || agreement.startDate);

interface CustomerOutcome {
  changes: PlannedChange[];
  entries: PendingEntry[];
  matched: number;
}

/**
 * Reads each mapped agreement's additions once and decides, per SKU, what the agreement needs
 * (spec 6.4). Nothing is written here: the result is the plan. Entries for decisions that need no
 * write (CW09, CW10, CW22, CW26) go to `emit` customer by customer, in customer order, as soon as
 * they are known, so a run over 100,000 lines does not hold them all.
 */
export async function reconcileAdditions(
  mapped: readonly MappedCustomer[],
  catalog: Catalog,
  managedSkus: ReadonlySet<string>,
  gateway: ConnectWiseGateway,
  settings: ReconcileSettings,
  emit: (entries: PendingEntry[]) => void,
): Promise<Plan> {
  // Products whose additions Atria manages for every customer (AllManagedSkus): product id → SKU key.
  const managedProducts = new Map<number, string>();
  if (settings.removalScope === 'AllManagedSkus') {
    for (const key of managedSkus) {
      const item = catalog.get(key);
      if (item) managedProducts.set(item.id, key);
    }
  }
  const plan: Plan = { changes: [], matchedAdditions: 0 };
  // Each planned change keeps its effective date for the run: one copy of each date, not one per customer.
  const intern = createInterner(1_000);
  await forEachConcurrentInOrder(
    mapped,
    settings.concurrency,
    (m) => reconcileCustomer(m, catalog, managedProducts, gateway, settings, intern),
    (outcome) => {
      plan.changes.push(...outcome.changes);
      plan.matchedAdditions += outcome.matched;
      emit(outcome.entries);
    },
  );
  return plan;
}

async function reconcileCustomer(
  { customer, agreement }: MappedCustomer,
  catalog: Catalog,
  managedProducts: ReadonlyMap<number, string>,
  gateway: ConnectWiseGateway,
  settings: ReconcileSettings,
  intern: (text: string) => string,
): Promise<CustomerOutcome> {
  const outcome: CustomerOutcome = { changes: [], entries: [], matched: 0 };
  let additions: AdditionSummary[];
  try {
    additions = await gateway.listAdditions(agreement.id);
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    const details = { customer: customer.code, data: { agreementId: agreement.id } };
    outcome.entries.push(
      isUnreadable(error)
        ? { code: 'CW13', params: { error: `${customer.code}: ${describeError(error)}` }, details }
        : { code: 'CW10', params: { customerCode: customer.code, lineDescription: `(all lines of agreement ${agreement.id})`, sku: '(all)', error: describeError(error) }, details },
    );
    return outcome;
  }

  // Cancelled only when its cancelledDate is on or before the date a new addition would get; a later one still bills.
  const effectiveDate = intern(effectiveDateFor(agreement, settings.effectiveDate));
  const activeByProduct = groupBy(additions.filter((a) => isLiveAddition(a, effectiveDate)), (a) => a.productId);
  const change = (line: { sku: string; lineDescription: string }, productId: number, addition: AdditionSummary | undefined, after: number, action: PlannedChange['action']): void => {
    outcome.changes.push({ action, customer, agreement, additionId: addition?.id ?? null, sku: line.sku, productId, before: addition?.quantity ?? null, after, lineDescription: line.lineDescription, effectiveDate });
  };
  const entry = (code: PendingEntry['code'], params: PendingEntry['params'], sku: string, data?: Record<string, unknown>, suffix?: string): void => {
    outcome.entries.push({ code, params, details: { customer: customer.code, sku, data, suffix } });
  };
  const duplicate = (list: AdditionSummary[], sku: string, lineDescription: string): void =>
    entry('CW26', { customerCode: customer.code, additionIds: list.map((a) => a.id).join(', '), sku, agreementId: agreement.id, lineDescription }, sku, { additionIds: list.map((a) => a.id) });

  const handledProducts = new Set<number>();
  for (const [key, line] of customer.lines) {
    const item = catalog.get(key);
    if (!item) continue; // CW06, reported by lookupProducts
    handledProducts.add(item.id);
    const lineDescription = describeLine(line);
    const existing = activeByProduct.get(item.id) ?? [];
    if (existing.length > 1) {
      duplicate(existing, line.sku, lineDescription);
      continue;
    }
    const [addition] = existing;
    if (!addition) {
      if (line.quantity === 0) continue;
      if (settings.allowCreate) change({ sku: line.sku, lineDescription }, item.id, undefined, line.quantity, 'create');
      else entry('CW22', { customerName: customer.name, lineDescription, sku: line.sku }, line.sku, { quantity: line.quantity }, ` (the agreement has no addition for it; with AllowAtriaCreateAdditions set to true the next run creates one with quantity ${line.quantity})`);
      continue;
    }
    outcome.matched++;
    if (addition.cancelledDate && line.quantity > 0) {
      entry('CW29', { customerCode: customer.code, additionId: addition.id, sku: line.sku, agreementId: agreement.id, cancelledDate: addition.cancelledDate.slice(0, 10), quantity: line.quantity, lineDescription }, line.sku, { additionId: addition.id, cancelledDate: addition.cancelledDate });
    }
    if (sameQuantity(addition.quantity, line.quantity)) {
      entry('CW09', { customerCode: customer.code, lineDescription }, line.sku, { additionId: addition.id, quantity: addition.quantity });
    } else if (line.quantity === 0 && settings.removalScope === 'ReportedRemovals' && !(line.lastMonth !== null && line.lastMonth > 0)) {
      // This month 0 without last month > 0 is no removal report: leave the addition as it is.
      entry('CW09', { customerCode: customer.code, lineDescription }, line.sku, { additionId: addition.id, quantity: addition.quantity, reason: 'no removal reported (last month not above 0)' });
    } else {
      change({ sku: line.sku, lineDescription }, item.id, addition, line.quantity, line.quantity === 0 ? 'zero' : 'update');
    }
  }

  for (const [productId, list] of activeByProduct) {
    const key = managedProducts.get(productId);
    if (key === undefined || handledProducts.has(productId) || customer.untouchableSkus.has(key)) continue;
    // Atria bills this SKU to other customers this period, not to this one: its target is 0.
    const sku = catalog.get(key)?.identifier ?? key;
    if (list.length > 1) {
      if (list.some((a) => !sameQuantity(a.quantity, 0))) duplicate(list, sku, list[0]?.description || sku);
      continue;
    }
    outcome.matched++;
    const [addition] = list as [AdditionSummary];
    if (!sameQuantity(addition.quantity, 0)) change({ sku, lineDescription: addition.description || sku }, productId, addition, 0, 'zero');
  }
  return outcome;
}

export const describeLine = (line: SkuLine): string => line.groupings.join('; ') || line.sku;

