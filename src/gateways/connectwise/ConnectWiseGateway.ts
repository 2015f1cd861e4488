import type { InjectionToken } from 'tsyringe';
import type { RequestStats } from './requestStats.js';

/** The agreement fields the pipeline reads. */
export interface AgreementSummary {
  id: number;
  name: string;
  companyIdentifier: string;
  companyName: string;
  cancelledFlag: boolean;
  agreementStatus?: string;
  /** When the agreement starts billing (ISO date-time); a new addition is never dated before it. */
  billStartDate?: string;
  startDate?: string;
  /** The agreement's currency code (USD, EUR…), when ConnectWise gives one: the plan's amounts are in it. */
  currency?: string;
}

export interface CatalogItemSummary {
  id: number;
  identifier: string;
  description: string;
  /** The catalog price: what a created addition bills per unit. */
  price?: number;
}

export interface AdditionSummary {
  id: number;
  productId: number;
  productIdentifier: string;
  quantity: number;
  description: string;
  cancelledDate?: string;
  /** ConnectWise's Billable, DoNotBill or NoCharge; undefined when the addition does not say (Billable). */
  billCustomer?: string;
  /** As ConnectWise set it (from the catalog price); 0 bills nothing. */
  unitPrice?: number;
}

/** A value that was never queried, or that ConnectWise refused in a query, and why. */
export interface RefusedValue {
  value: string;
  reason: string;
}

/** A bulk lookup: what was found, and the values that could not be looked up (reported per customer or SKU). */
export interface Lookup<T> {
  found: T[];
  refused: RefusedValue[];
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
  /** The server's version from GET /system/info (e.g. "v2025.8.1"), or undefined when it does not say. */
  serverVersion(): Promise<string | undefined>;
  /** The names of every agreement type, for telling an administrator which ones do exist. */
  listAgreementTypeNames(): Promise<string[]>;
  /** Agreements of the type that are not cancelled, for the given company identifiers (case-insensitive). */
  listAgreements(typeName: string, companyIdentifiers: readonly string[]): Promise<Lookup<AgreementSummary>>;
  /** Active catalog items for the given identifiers (case-insensitive). */
  findCatalogItems(identifiers: readonly string[]): Promise<Lookup<CatalogItemSummary>>;
  listAdditions(agreementId: number): Promise<AdditionSummary[]>;
  updateAdditionQuantity(agreementId: number, additionId: number, quantity: number): Promise<void>;
  /**
   * One POST of a Billable addition, never repeated when its outcome is unknown: the error then has
   * outcomeUnknown set (isOutcomeUnknown) and the run looks for the addition after settleLostWrites.
   */
  createAddition(agreementId: number, addition: NewAddition): Promise<AdditionSummary>;
  /** Resolves once a write whose outcome was lost has had time to land (at once when there was none), before verifying. */
  settleLostWrites(): Promise<void>;
  readonly stats: RequestStats;
}

export const CONNECTWISE_GATEWAY: InjectionToken<ConnectWiseGateway> = Symbol('ConnectWiseGateway');
