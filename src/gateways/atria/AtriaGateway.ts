/** What the pipeline needs from Atria: billing periods and a period's billable summary rows. */
import type { InjectionToken } from 'tsyringe';

export interface BillingPeriod {
  startDate: string;
  endDate: string;
  status: 'Open' | 'Closed' | string;
}

/**
 * One billable summary row, as Atria reports it. Counts stay as received (they may be missing or
 * malformed); the pipeline validates them and says what to fix.
 */
export interface AtriaRow {
  customerCode: string;
  customerName: string;
  customerAccountCode: string;
  productSku: string;
  summaryGrouping: string;
  lastMonthCount: unknown;
  thisMonthCount: unknown;
  resultCount: unknown;
  /** False when the row itself says it is not billable (whatever the query asked): such a row never counts. */
  billable: boolean;
}

export interface AtriaGateway {
  listPeriods(): Promise<BillingPeriod[]>;
  fetchRows(period: BillingPeriod): Promise<AtriaRow[]>;
}

export const ATRIA_GATEWAY: InjectionToken<AtriaGateway> = Symbol('AtriaGateway');
