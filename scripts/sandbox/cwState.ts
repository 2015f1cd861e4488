/** The sandbox's ConnectWise data, shaped as the OpenAPI subset's objects (fields we use and a few more). */

export interface Ref {
  id: number;
  name?: string;
  identifier?: string;
  _info?: Record<string, string>;
}

export interface CwAgreementType {
  id: number;
  name: string;
  inactiveFlag?: boolean;
}

export interface CwCompany {
  id: number;
  identifier: string;
  name: string;
  deletedFlag?: boolean;
}

export interface CwAgreement {
  id: number;
  name: string;
  type: Ref;
  company: Ref;
  contact: Ref;
  cancelledFlag: boolean;
  agreementStatus?: 'Active' | 'Cancelled' | 'Expired' | 'Inactive';
  startDate?: string;
  billStartDate?: string;
  endDate?: string;
  noEndingDateFlag?: boolean;
  /** ConnectWise's CurrencyReference: the agreement bills in it. */
  currency?: { id: number; currencyCode: string; name?: string };
}

export interface CwCatalogItem {
  id: number;
  identifier: string;
  description: string;
  inactiveFlag: boolean;
  subcategory: Ref;
  type: Ref;
  customerDescription: string;
  price?: number;
}

export interface CwAddition {
  id: number;
  product: { id: number; identifier: string; description?: string };
  quantity: number;
  billCustomer: 'Billable' | 'DoNotBill' | 'NoCharge';
  effectiveDate?: string;
  cancelledDate?: string;
  unitPrice?: number;
  /** Included units ConnectWise takes off the billed quantity; the pipeline never writes it. */
  lessIncluded?: number;
  description?: string;
  agreementId: number;
  [key: string]: unknown;
}

export interface CwState {
  agreementTypes: CwAgreementType[];
  companies: CwCompany[];
  agreements: CwAgreement[];
  catalog: CwCatalogItem[];
  additions: CwAddition[];
}

export const emptyState = (): CwState => ({ agreementTypes: [], companies: [], agreements: [], catalog: [], additions: [] });

/**
 * Whether an addition still bills on `date`: ConnectWise bills an addition until its cancelled
 * date ("Cancelled: the date the addition stopped billing"), so one cancelled later still bills.
 */
export const billsOn = (addition: CwAddition, date: string): boolean =>
  !addition.cancelledDate || Date.parse(addition.cancelledDate) > Date.parse(date);

/** The additions of every agreement that bill on `date` as sorted `agreementId:SKU=quantity` lines, for comparing states. */
export function activeAdditionLines(state: CwState, date: string): string[] {
  return state.additions
    .filter((a) => billsOn(a, date))
    .map((a) => `${a.agreementId}:${a.product.identifier}=${Number(a.quantity).toFixed(2)}`)
    .sort();
}
