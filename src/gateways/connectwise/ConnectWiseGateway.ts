import type { RequestStats } from './requestStats.js';

/** The agreement fields the pipeline reads. */
export interface AgreementSummary {
  id: number;
  name: string;
  companyIdentifier: string;
  companyName: string;
  cancelledFlag: boolean;
  agreementStatus?: string;
}

export interface CatalogItemSummary {
  id: number;
  identifier: string;
  description: string;
}

export interface AdditionSummary {
  id: number;
  productId: number;
  productIdentifier: string;
  quantity: number;
  description: string;
  cancelledDate?: string;
}

export interface NewAddition {
  productId: number;
  quantity: number;
  description: string;
  /** ISO date-time at UTC midnight, e.g. 2026-09-26T00:00:00Z. */
  effectiveDate: string;
}

/** What the pipeline needs from ConnectWise Manage; no HTTP leaks through it. */
export interface ConnectWiseGateway {
  /** The agreement type by name, or undefined. Also the cheap authenticated read that proves the connection. */
  findAgreementType(name: string): Promise<{ id: number; name: string } | undefined>;
  /** Agreements of the type that are not cancelled, for the given company identifiers (case-insensitive). */
  listAgreements(typeName: string, companyIdentifiers: readonly string[]): Promise<AgreementSummary[]>;
  /** Active catalog items for the given identifiers (case-insensitive). */
  findCatalogItems(identifiers: readonly string[]): Promise<CatalogItemSummary[]>;
  listAdditions(agreementId: number): Promise<AdditionSummary[]>;
  updateAdditionQuantity(agreementId: number, additionId: number, quantity: number): Promise<void>;
  /** Creates the addition exactly once, even when a response is lost (it re-reads before any retry). */
  createAddition(agreementId: number, addition: NewAddition): Promise<AdditionSummary>;
  readonly stats: RequestStats;
}

export const CONNECTWISE_GATEWAY = Symbol('ConnectWiseGateway');
