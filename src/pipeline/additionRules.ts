import type { AdditionSummary } from '../gateways/connectwise/ConnectWiseGateway.js';

/**
 * Whether ConnectWise invoices the addition: billCustomer Billable (or not given). DoNotBill and
 * NoCharge lines are units the customer gets free; anything else is not known to bill either.
 */
export const isBillableAddition = (addition: Pick<AdditionSummary, 'billCustomer'>): boolean =>
  addition.billCustomer === undefined || addition.billCustomer.toLowerCase() === 'billable';

/**
 * ConnectWise bills an addition from its effectiveDate until its cancelledDate. An addition is
 * cancelled for this run only when that date is on or before `effectiveDate`, the date a new
 * addition would get: one that ends later still bills, so it is live and must never be duplicated.
 * A cancelledDate that cannot be read counts as live (a live addition is never duplicated).
 */
export function isLiveAddition(addition: Pick<AdditionSummary, 'cancelledDate'>, effectiveDate: string): boolean {
  if (!addition.cancelledDate) return true;
  const cancelled = Date.parse(addition.cancelledDate);
  const effective = Date.parse(effectiveDate);
  if (Number.isNaN(cancelled) || Number.isNaN(effective)) return true;
  return cancelled > effective;
}

/** The later of two ISO date-times (UTC); the effective date never precedes the agreement's bill start. */
export function notBefore(date: string, floor: string | undefined): string {
  if (!floor) return date;
  const floorMs = Date.parse(floor);
  if (Number.isNaN(floorMs) || floorMs <= Date.parse(date)) return date;
  return `${new Date(floorMs).toISOString().slice(0, 10)}T00:00:00Z`;
}
