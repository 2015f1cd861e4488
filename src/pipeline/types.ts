import type { PlanAction } from '../host/api.js';
import type { AgreementSummary, CatalogItemSummary } from '../gateways/connectwise/ConnectWiseGateway.js';
import type { LogCode, MessageParams } from '../logging/codes.js';
import type { EntryDetails } from '../logging/runLogger.js';

/** One customer's billed quantity for one SKU, rows of the same customer and SKU summed. */
export interface SkuLine {
  sku: string;
  quantity: number;
  /** Summed last-month count; null when any row's was invalid (then it is no removal signal). */
  lastMonth: number | null;
  /** Distinct summary groupings, in row order. */
  groupings: string[];
}

/** An Atria customer's validated billing data for the period. */
export interface CustomerBilling {
  code: string;
  name: string;
  accountCode: string;
  /** Keyed by SKU in lower case. */
  lines: Map<string, SkuLine>;
  /** SKUs (lower case) with a row that failed validation (CW28): left alone entirely. */
  untouchableSkus: Set<string>;
  /** Summary groupings of rows that have no SKU (CW05). */
  linesWithoutSku: string[];
}

export interface BillingData {
  customers: CustomerBilling[];
  /** Every valid SKU Atria bills (above 0) to any customer this period, before the customer filter: lower case → as Atria spells it. */
  billedSkus: Map<string, string>;
}

export interface MappedCustomer {
  customer: CustomerBilling;
  agreement: AgreementSummary;
}

/** Catalog items keyed by identifier in lower case. */
export type Catalog = Map<string, CatalogItemSummary>;

export interface PlannedChange {
  action: PlanAction;
  customer: CustomerBilling;
  agreement: AgreementSummary;
  additionId: number | null;
  sku: string;
  productId: number;
  before: number | null;
  after: number;
  lineDescription: string;
  /** For a create: the addition's effective date (UTC midnight, ISO), never before the agreement's bill start. */
  effectiveDate: string;
  /** Units on the product's live non-billable additions taken off Atria's count (0 when none, or with Ignore). */
  freeUnits: number;
  /** What one unit bills: the addition's unitPrice, or for a create the catalog price; null when ConnectWise gave none. */
  unitPrice: number | null;
  /** The catalog item's description, beside the SKU. */
  productDescription: string;
}

/** A log entry decided by a stage and emitted later, so entries come out in a stable order. */
export interface PendingEntry {
  code: LogCode;
  params: MessageParams;
  details: EntryDetails;
}

export interface Plan {
  changes: PlannedChange[];
  /** Existing additions matched to Atria lines (managed ones included): the safety guard's base. */
  matchedAdditions: number;
}

export const skuKey = (sku: string): string => sku.trim().toLowerCase();

export const formatQuantity = (quantity: number): string => quantity.toFixed(2);

/** Quantities compare to 2 decimals, as ConnectWise shows them. */
export const sameQuantity = (a: number, b: number): boolean => Math.round(a * 100) === Math.round(b * 100);
