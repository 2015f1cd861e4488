import { CodedError } from '../errors.js';
import type { BillingPeriod } from '../gateways/atria/AtriaGateway.js';

const utcDate = (date: Date): string => date.toISOString().slice(0, 10);

/**
 * Picks the billing period: `Current` contains the run's UTC date (any status); `Previous` is the
 * latest Closed period ending before that date; a date picks the period containing it.
 */
export function resolvePeriod(periods: readonly BillingPeriod[], setting: string, now: Date): BillingPeriod {
  const today = utcDate(now);
  const contains = (day: string) => (p: BillingPeriod) => p.startDate <= day && day <= p.endDate;
  let found: BillingPeriod | undefined;
  let wanted: string;
  if (setting === 'Current') {
    found = periods.find(contains(today));
    wanted = `no Atria billing period contains today's date ${today}`;
  } else if (setting === 'Previous') {
    found = periods
      .filter((p) => p.status.toLowerCase() === 'closed' && p.endDate < today)
      .sort((a, b) => b.endDate.localeCompare(a.endDate))[0];
    wanted = `no closed Atria billing period ends before ${today}`;
  } else {
    found = periods.find(contains(setting));
    wanted = `no Atria billing period contains ${setting}`;
  }
  if (!found) throw new CodedError('CW19', { detail: wanted }, wanted);
  return found;
}
