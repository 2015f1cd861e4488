import type { AgreementSummary, ConnectWiseGateway } from '../gateways/connectwise/ConnectWiseGateway.js';
import { groupBy } from '../util/groupBy.js';
import type { CustomerBilling, MappedCustomer, PendingEntry } from './types.js';

export interface MapCustomersSettings {
  agreementType: string;
  onMultipleAgreements: 'UseFirst' | 'Skip';
}

/** An agreement counts when it is not cancelled and its status is Active (or not given). */
const counts = (agreement: AgreementSummary): boolean =>
  !agreement.cancelledFlag &&
  (agreement.agreementStatus === undefined || agreement.agreementStatus === '' || agreement.agreementStatus.toLowerCase() === 'active');

/**
 * Maps each Atria customer to its ConnectWise company (Billing Identifier = company identifier,
 * case-insensitive) and that company's agreement of the type, with one bulk read for all.
 */
export async function mapCustomers(
  customers: readonly CustomerBilling[],
  gateway: ConnectWiseGateway,
  settings: MapCustomersSettings,
): Promise<{ mapped: MappedCustomer[]; entries: PendingEntry[] }> {
  const entries: PendingEntry[] = [];
  const withIdentifier: CustomerBilling[] = [];
  for (const customer of customers) {
    if (customer.accountCode.trim() === '') {
      entries.push({
        code: 'CW04',
        params: { customerCode: customer.code, customerName: customer.name },
        details: { customer: customer.code },
      });
    } else withIdentifier.push(customer);
  }

  const { found: agreements, refused } = await gateway.listAgreements(
    settings.agreementType,
    withIdentifier.map((c) => c.accountCode.trim()),
  );
  const byCompany = groupBy(agreements.filter(counts), (a) => a.companyIdentifier.toLowerCase());
  const refusedReasons = new Map(refused.map((r) => [r.value.toLowerCase(), r.reason]));

  const mapped: MappedCustomer[] = [];
  for (const customer of withIdentifier) {
    const candidates = (byCompany.get(customer.accountCode.trim().toLowerCase()) ?? []).sort((a, b) => a.id - b.id);
    const [first] = candidates;
    if (!first) {
      const reason = refusedReasons.get(customer.accountCode.trim().toLowerCase());
      entries.push({
        code: 'CW14',
        params: { customerName: customer.name, customerAccountCode: customer.accountCode, agreementType: settings.agreementType },
        details: {
          customer: customer.code,
          suffix: reason && ` The Billing Identifier was ${reason}.`,
          data: reason ? { reason } : undefined,
        },
      });
      continue;
    }
    if (candidates.length > 1) {
      const useFirst = settings.onMultipleAgreements === 'UseFirst';
      entries.push({
        code: 'CW24',
        params: {
          customerCode: customer.code,
          agreementType: settings.agreementType,
          customerAccountCode: customer.accountCode,
          agreementIds: candidates.map((a) => a.id).join(', '),
          decision: useFirst ? `using agreement ${first.id} (lowest id)` : 'customer skipped (OnMultipleAgreements is Skip)',
        },
        details: { customer: customer.code, data: { agreementIds: candidates.map((a) => a.id) } },
      });
      if (!useFirst) continue;
    }
    mapped.push({ customer, agreement: first });
  }
  return { mapped: mergeSharedAgreements(mapped), entries };
}

/**
 * Atria customers whose Billing Identifiers name one company land on one agreement. Handled one by
 * one, the second would overwrite the first's quantity or create a duplicate addition; the company
 * is billed for both, so their lines are summed into one customer named `A+B`.
 */
function mergeSharedAgreements(mapped: MappedCustomer[]): MappedCustomer[] {
  return [...groupBy(mapped, (m) => m.agreement.id).values()].map(([first, ...others]) =>
    others.length === 0 ? first! : { agreement: first!.agreement, customer: mergeCustomers([first!, ...others].map((m) => m.customer)) },
  );
}

function mergeCustomers(customers: CustomerBilling[]): CustomerBilling {
  const merged: CustomerBilling = {
    code: customers.map((c) => c.code).join('+'),
    name: customers.map((c) => c.name).join(' / '),
    accountCode: customers[0]?.accountCode ?? '',
    lines: new Map(),
    untouchableSkus: new Set(customers.flatMap((c) => [...c.untouchableSkus])),
    linesWithoutSku: customers.flatMap((c) => c.linesWithoutSku),
  };
  for (const customer of customers) {
    for (const [key, line] of customer.lines) {
      if (merged.untouchableSkus.has(key)) continue;
      const total = merged.lines.get(key);
      if (!total) merged.lines.set(key, { ...line, groupings: [...line.groupings] });
      else {
        total.quantity += line.quantity;
        total.lastMonth = total.lastMonth === null || line.lastMonth === null ? null : total.lastMonth + line.lastMonth;
        for (const g of line.groupings) if (!total.groupings.includes(g)) total.groupings.push(g);
      }
    }
  }
  return merged;
}
