import type { AgreementSummary, ConnectWiseGateway } from '../gateways/connectwise/ConnectWiseGateway.js';
import type { CustomerBilling, MappedCustomer, PendingEntry } from './types.js';

export interface MapCustomersSettings {
  agreementType: string;
  onMultipleAgreements: 'UseFirst' | 'Skip';
}

/** An agreement counts when it is not cancelled and its status is Active (or not given). */
const counts = (agreement: AgreementSummary): boolean =>
  !agreement.cancelledFlag && (agreement.agreementStatus === undefined || agreement.agreementStatus === '' || agreement.agreementStatus.toLowerCase() === 'active');

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
      entries.push({ code: 'CW04', params: { customerCode: customer.code, customerName: customer.name }, details: { customer: customer.code } });
    } else withIdentifier.push(customer);
  }

  const agreements = await gateway.listAgreements(
    settings.agreementType,
    withIdentifier.map((c) => c.accountCode.trim()),
  );
  const byCompany = new Map<string, AgreementSummary[]>();
  for (const agreement of agreements.filter(counts)) {
    const key = agreement.companyIdentifier.toLowerCase();
    byCompany.set(key, [...(byCompany.get(key) ?? []), agreement]);
  }

  const mapped: MappedCustomer[] = [];
  for (const customer of withIdentifier) {
    const candidates = (byCompany.get(customer.accountCode.trim().toLowerCase()) ?? []).sort((a, b) => a.id - b.id);
    if (candidates.length === 0) {
      entries.push({
        code: 'CW14',
        params: { customerName: customer.name, customerAccountCode: customer.accountCode, agreementType: settings.agreementType },
        details: { customer: customer.code },
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
          decision: useFirst ? `using agreement ${candidates[0].id} (lowest id)` : 'customer skipped (OnMultipleAgreements is Skip)',
        },
        details: { customer: customer.code, data: { agreementIds: candidates.map((a) => a.id) } },
      });
      if (!useFirst) continue;
    }
    mapped.push({ customer, agreement: candidates[0] });
  }
  return { mapped, entries };
}
