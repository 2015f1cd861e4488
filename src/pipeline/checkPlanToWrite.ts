import { CancelledError, describeError, isUnreadable } from '../errors.js';
import type { AdditionSummary, AgreementSummary, ConnectWiseGateway } from '../gateways/connectwise/ConnectWiseGateway.js';
import type { PlanItem, PlanToWrite } from '../host/api.js';
import { groupBy } from '../util/groupBy.js';
import { mapConcurrent } from '../util/limiter.js';
import { isBillableAddition, isLiveAddition } from './additionRules.js';
import { formatQuantity, type CustomerBilling, type PendingEntry, type PlannedChange, sameQuantity } from './types.js';

/** The lines of a plan still to write as they were reviewed, and what was said about the others. */
export interface CheckedPlan {
  changes: PlannedChange[];
  /** CW38 for a line changed since the plan, CW09 for one already as the plan wants it, CW10/CW13 for an unreadable agreement. */
  entries: PendingEntry[];
}

/**
 * What a plan line expects to find in ConnectWise today and what writing it sets. Apply: the
 * reviewed before-value, to become the planned after-value. Revert: the run's after-value, to go
 * back to its before-value (a created addition goes to 0, never deleted).
 */
interface Expectation {
  expected: number | null;
  target: number;
  /** For the log: what `expected` was. */
  described: string;
}

const expectationOf = (purpose: PlanToWrite['purpose'], item: PlanItem): Expectation =>
  purpose === 'apply'
    ? { expected: item.before, target: item.after, described: 'the reviewed value' }
    : { expected: item.after, target: item.before ?? 0, described: "the run's value" };

/** The lines a purpose writes: a dry run's planned lines (apply), a run's applied lines (revert). */
export const linesToWrite = (plan: PlanToWrite): PlanItem[] =>
  plan.items.filter((item) => item.outcome === (plan.purpose === 'apply' ? 'planned' : 'applied'));

/**
 * Reads each agreement of the plan once (as a run reads) and keeps only the lines whose
 * ConnectWise value is still the one the plan expects: a line someone changed since is never
 * written (CW38 names the value expected and today's); one already at its target needs nothing (CW09).
 */
export async function checkPlanToWrite(
  plan: PlanToWrite,
  gateway: ConnectWiseGateway,
  settings: { concurrency: number; effectiveDate: string },
): Promise<CheckedPlan> {
  const groups = [...groupBy(linesToWrite(plan), (item) => item.agreementId).values()];
  const perAgreement = await mapConcurrent(groups, settings.concurrency, async (items): Promise<CheckedPlan> => {
    let additions: AdditionSummary[];
    try {
      additions = await gateway.listAdditions(items[0]!.agreementId);
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      return { changes: [], entries: [unreadableAgreement(items, error)] };
    }
    const checked: CheckedPlan = { changes: [], entries: [] };
    for (const item of items) {
      const outcome = checkLine(plan.purpose, item, additions, settings.effectiveDate);
      if ('change' in outcome) checked.changes.push(outcome.change);
      else checked.entries.push(outcome.entry);
    }
    return checked;
  });
  return { changes: perAgreement.flatMap((c) => c.changes), entries: perAgreement.flatMap((c) => c.entries) };
}

function checkLine(
  purpose: PlanToWrite['purpose'],
  item: PlanItem,
  additions: readonly AdditionSummary[],
  effectiveDate: string,
): { change: PlannedChange } | { entry: PendingEntry } {
  const { expected, target, described } = expectationOf(purpose, item);
  const live = additions.filter((a) => isLiveAddition(a, effectiveDate) && isBillableAddition(a));
  // An existing line is found by its id; a line the plan creates (apply), or one a run created without its id known, by its product.
  const candidates = live.filter((a) => (item.additionId !== null ? a.id === item.additionId : a.productId === item.productId));
  const lineDescription = item.lineDescription ?? item.product ?? item.sku;
  if (candidates.length > 1) return { entry: drift(item, described, expected, candidates, lineDescription) };
  const current = candidates[0];
  const currentQuantity = current ? current.quantity : null;

  if (currentQuantity !== null && sameQuantity(currentQuantity, target)) {
    const data = { additionId: current!.id, quantity: currentQuantity, reason: 'already as the plan sets it' };
    return {
      entry: {
        code: 'CW09',
        params: { customerCode: item.customer, lineDescription },
        details: { customer: item.customer, sku: item.sku, data },
      },
    };
  }
  const unchanged = currentQuantity === null || expected === null ? currentQuantity === expected : sameQuantity(currentQuantity, expected);
  if (!unchanged) return { entry: drift(item, described, expected, candidates, lineDescription) };
  return {
    change: {
      action: purpose === 'apply' ? item.action : target === 0 ? 'zero' : 'update',
      customer: customerOf(item),
      agreement: agreementOf(item),
      additionId: current?.id ?? null,
      sku: item.sku,
      productId: current?.productId ?? item.productId!,
      before: currentQuantity,
      after: target,
      lineDescription,
      effectiveDate: item.effectiveDate ?? effectiveDate,
      freeUnits: 0,
      unitPrice: current?.unitPrice ?? item.unitPrice ?? null,
      productDescription: item.product ?? '',
    },
  };
}

/**
 * Why a plan cannot be written line by line as it stands, or undefined: a line to create must name
 * its product (plans written by this extension always do), a line to change its addition or product.
 */
export function planDefect(plan: PlanToWrite): string | undefined {
  const lines = linesToWrite(plan);
  const index = lines.findIndex((item) => item.productId === undefined && (item.additionId === null || item.action === 'create'));
  if (index === -1) return undefined;
  const item = lines[index]!;
  return `its line for ${item.customer} ${item.sku} does not name the ConnectWise product (productId); make a new dry run and apply its plan`;
}

const shown = (quantity: number | null): string => (quantity === null ? 'no live addition' : formatQuantity(quantity));

function drift(
  item: PlanItem,
  described: string,
  expected: number | null,
  candidates: readonly AdditionSummary[],
  lineDescription: string,
): PendingEntry {
  const current =
    candidates.length === 0 ? shown(null) : candidates.map((a) => `${formatQuantity(a.quantity)} on addition ${a.id}`).join(' and ');
  return {
    code: 'CW38',
    params: {
      customerCode: item.customer,
      sku: item.sku,
      agreementId: item.agreementId,
      lineDescription,
      expectation: described,
      reviewed: shown(expected),
      current,
    },
    details: {
      customer: item.customer,
      sku: item.sku,
      data: {
        agreementId: item.agreementId,
        additionId: item.additionId,
        expected,
        current: candidates.map((a) => ({ additionId: a.id, quantity: a.quantity })),
      },
    },
  };
}

function unreadableAgreement(items: readonly PlanItem[], error: unknown): PendingEntry {
  const { customer, agreementId } = items[0]!;
  const details = { customer, data: { agreementId, lines: items.map((i) => i.sku), written: 'none of these lines' } };
  if (isUnreadable(error)) return { code: 'CW13', params: { error: `${customer}: ${describeError(error)}` }, details };
  return {
    code: 'CW10',
    params: {
      customerCode: customer,
      lineDescription: `(the plan's lines on agreement ${agreementId})`,
      sku: items.map((i) => i.sku).join(', '),
      error: describeError(error),
    },
    details,
  };
}

const customerOf = (item: PlanItem): CustomerBilling => ({
  code: item.customer,
  name: item.customerName ?? item.customer,
  accountCode: item.company,
  lines: new Map(),
  untouchableSkus: new Set(),
  linesWithoutSku: [],
});

const agreementOf = (item: PlanItem): AgreementSummary => ({
  id: item.agreementId,
  name: item.agreementName ?? '',
  companyIdentifier: item.company,
  companyName: item.companyName ?? '',
  cancelledFlag: false,
  ...(item.currency ? { currency: item.currency } : {}),
});
