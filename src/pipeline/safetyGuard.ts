import { CodedError } from '../errors.js';
import type { Plan } from './types.js';

/** Fewer zeroed additions than this never trip the guard: small accounts legitimately drop services. */
export const MIN_ZEROED_FOR_GUARD = 5;

/**
 * Before the first write: a plan that zeroes more than `maxPercent` of the matched additions
 * (and at least 5) is a partial or mistaken export until proven otherwise; nothing is written.
 */
export function checkSafetyGuard(plan: Plan, maxPercent: number): void {
  const zeroed = plan.changes.filter((c) => c.action === 'zero').length;
  const matched = plan.matchedAdditions;
  if (zeroed < MIN_ZEROED_FOR_GUARD || matched === 0) return;
  const percent = (zeroed * 100) / matched;
  if (percent <= maxPercent) return;
  const params = { zeroed, matched, percent: percent.toFixed(1), maxPercent };
  throw new CodedError('CW27', params, `safety guard: ${zeroed} of ${matched} additions would be zeroed`);
}
