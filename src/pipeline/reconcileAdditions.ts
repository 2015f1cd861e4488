import { CancelledError, describeError, isUnreadable } from '../errors.js';
import { isBillableAddition, isLiveAddition, notBefore } from './additionRules.js';
import type {
  AdditionSummary,
  AgreementSummary,
  CatalogItemSummary,
  ConnectWiseGateway,
} from '../gateways/connectwise/ConnectWiseGateway.js';
import { groupBy } from '../util/groupBy.js';
import { createInterner } from '../util/intern.js';
import { forEachConcurrentInOrder } from '../util/limiter.js';
import {
  type Catalog,
  type MappedCustomer,
  type PendingEntry,
  type Plan,
  type PlannedChange,
  type SkuLine,
  sameQuantity,
} from './types.js';

export interface ReconcileSettings {
  allowCreate: boolean;
  removalScope: 'ReportedRemovals' | 'AllManagedSkus';
  concurrency: number;
  /** The effective date (UTC midnight, ISO) NewAdditionEffectiveDate gives; per agreement never before its bill start. */
  effectiveDate: string;
  /** Subtract: units on live non-billable additions of a product are free units, taken off Atria's count. */
  nonBillableAdditions: 'Subtract' | 'Ignore';
}

/** The date a new addition on this agreement gets: the run's date, or the agreement's bill start when that is later. */
export const effectiveDateFor = (agreement: AgreementSummary, runDate: string): string =>
  notBefore(runDate, agreement.billStartDate || agreement.startDate);

/** A product Atria bills to some customer this period (AllManagedSkus): its SKU key and catalog item. */
interface ManagedProduct {
  key: string;
  product: CatalogItemSummary;
}

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
  managedSkus: ReadonlyMap<string, string>,
  gateway: ConnectWiseGateway,
  settings: ReconcileSettings,
  emit: (entries: PendingEntry[]) => void,
): Promise<Plan> {
  // Products whose additions Atria manages for every customer (AllManagedSkus): product id → SKU key and catalog item.
  const managedProducts = new Map<number, ManagedProduct>();
  if (settings.removalScope === 'AllManagedSkus') {
    for (const key of managedSkus.keys()) {
      const item = catalog.get(key);
      if (item) managedProducts.set(item.id, { key, product: item });
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
  managedProducts: ReadonlyMap<number, ManagedProduct>,
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
        : {
            code: 'CW10',
            params: {
              customerCode: customer.code,
              lineDescription: `(all lines of agreement ${agreement.id})`,
              sku: '(all)',
              error: describeError(error),
            },
            details,
          },
    );
    return outcome;
  }

  // Cancelled only when its cancelledDate is on or before the date a new addition would get; a later one still bills.
  const effectiveDate = intern(effectiveDateFor(agreement, settings.effectiveDate));
  const live = additions.filter((a) => isLiveAddition(a, effectiveDate));
  // Only Billable additions are reconciled or can be duplicates; DoNotBill/NoCharge lines are the customer's free units, never written.
  const billableByProduct = groupBy(live.filter(isBillableAddition), (a) => a.productId);
  const freeByProduct = groupBy(
    live.filter((a) => !isBillableAddition(a)),
    (a) => a.productId,
  );
  const change = (
    line: { sku: string; lineDescription: string },
    product: CatalogItemSummary,
    addition: AdditionSummary | undefined,
    after: number,
    action: PlannedChange['action'],
    freeUnits = 0,
  ): void => {
    outcome.changes.push({
      action,
      customer,
      agreement,
      additionId: addition?.id ?? null,
      sku: line.sku,
      productId: product.id,
      before: addition?.quantity ?? null,
      after,
      lineDescription: line.lineDescription,
      effectiveDate,
      freeUnits,
      // An existing addition bills at its own price; a new one takes the catalog's (as ConnectWise sets it).
      unitPrice: (addition ? addition.unitPrice : product.price) ?? null,
      productDescription: product.description,
    });
  };
  const entry = (
    code: PendingEntry['code'],
    params: PendingEntry['params'],
    sku: string,
    data?: Record<string, unknown>,
    suffix?: string,
  ): void => {
    outcome.entries.push({ code, params, details: { customer: customer.code, sku, data, suffix } });
  };
  const duplicate = (list: AdditionSummary[], sku: string, lineDescription: string): void =>
    entry(
      'CW26',
      { customerCode: customer.code, additionIds: list.map((a) => a.id).join(', '), sku, agreementId: agreement.id, lineDescription },
      sku,
      { additionIds: list.map((a) => a.id) },
    );

  const handledProducts = new Set<number>();
  for (const [key, line] of customer.lines) {
    const item = catalog.get(key);
    if (!item) continue; // CW06, reported by lookupProducts
    handledProducts.add(item.id);
    const lineDescription = describeLine(line);
    const existing = billableByProduct.get(item.id) ?? [];
    if (existing.length > 1) {
      duplicate(existing, line.sku, lineDescription);
      continue;
    }
    const target = billableTarget(line, freeByProduct.get(item.id) ?? [], settings.nonBillableAdditions, (code, params, data) =>
      entry(code, { customerCode: customer.code, sku: line.sku, lineDescription, ...params }, line.sku, data),
    );
    const freeUnits = line.quantity - target;
    const [addition] = existing;
    if (!addition) {
      if (target === 0) continue;
      if (settings.allowCreate) change({ sku: line.sku, lineDescription }, item, undefined, target, 'create', freeUnits);
      else
        entry(
          'CW22',
          { customerName: customer.name, lineDescription, sku: line.sku },
          line.sku,
          { quantity: target },
          ` (the agreement has no billable addition for it; with AllowAtriaCreateAdditions set to true the next run creates one with quantity ${target})`,
        );
      continue;
    }
    outcome.matched++;
    if (addition.cancelledDate && target > 0) {
      entry(
        'CW29',
        {
          customerCode: customer.code,
          additionId: addition.id,
          sku: line.sku,
          agreementId: agreement.id,
          cancelledDate: addition.cancelledDate.slice(0, 10),
          quantity: target,
          lineDescription,
        },
        line.sku,
        { additionId: addition.id, cancelledDate: addition.cancelledDate },
      );
    }
    if (sameQuantity(addition.quantity, target)) {
      entry('CW09', { customerCode: customer.code, lineDescription }, line.sku, { additionId: addition.id, quantity: addition.quantity });
    } else if (line.quantity === 0 && settings.removalScope === 'ReportedRemovals' && (line.lastMonth ?? 0) <= 0) {
      // This month 0 without last month > 0 is no removal report: leave the addition as it is.
      entry('CW09', { customerCode: customer.code, lineDescription }, line.sku, {
        additionId: addition.id,
        quantity: addition.quantity,
        reason: 'no removal reported (last month not above 0)',
      });
    } else {
      change({ sku: line.sku, lineDescription }, item, addition, target, target === 0 ? 'zero' : 'update', freeUnits);
    }
  }

  for (const [productId, list] of billableByProduct) {
    const managed = managedProducts.get(productId);
    if (managed === undefined || handledProducts.has(productId) || customer.untouchableSkus.has(managed.key)) continue;
    // Atria bills this SKU to other customers this period, not to this one: its target is 0.
    const { product } = managed;
    const sku = product.identifier;
    if (list.length > 1) {
      if (list.some((a) => !sameQuantity(a.quantity, 0))) duplicate(list, sku, list[0]?.description || sku);
      continue;
    }
    outcome.matched++;
    const [addition] = list as [AdditionSummary];
    if (!sameQuantity(addition.quantity, 0)) change({ sku, lineDescription: addition.description || sku }, product, addition, 0, 'zero');
  }
  return outcome;
}

/**
 * The quantity the product's Billable addition should hold (spec 6.4): Atria's count, less the units
 * on its live non-billable additions with Subtract (never below 0). Either way an entry says what
 * was done with those units (CW34 with the arithmetic, CW37 when they are ignored).
 */
function billableTarget(
  line: SkuLine,
  free: readonly AdditionSummary[],
  mode: ReconcileSettings['nonBillableAdditions'],
  report: (code: 'CW34' | 'CW37', params: PendingEntry['params'], data: Record<string, unknown>) => void,
): number {
  if (free.length === 0) return line.quantity;
  const freeUnits = free.reduce((sum, a) => sum + a.quantity, 0);
  const ids = free.map((a) => a.id);
  if (mode === 'Ignore') {
    report('CW37', { quantity: formatCount(freeUnits), additionIds: ids.join(', ') }, { nonBillableAdditionIds: ids, freeUnits });
    return line.quantity;
  }
  const target = Math.max(0, line.quantity - freeUnits);
  const terms = free
    .map((a) => ` − ${formatCount(a.quantity)} on ${a.billCustomer === 'DoNotBill' ? 'do-not-bill' : 'no-charge'} addition ${a.id}`)
    .join('');
  const floor = line.quantity - freeUnits < 0 ? ' (never below 0)' : '';
  report(
    'CW34',
    { arithmetic: `${formatCount(line.quantity)} billed by Atria${terms} = ${formatCount(target)} to bill${floor}` },
    { nonBillableAdditionIds: ids, freeUnits, atriaCount: line.quantity, target },
  );
  return target;
}

const formatCount = (quantity: number): string => String(Math.round(quantity * 100) / 100);

export const describeLine = (line: SkuLine): string => line.groupings.join('; ') || line.sku;
