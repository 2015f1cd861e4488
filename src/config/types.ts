/** The validated, defaulted job configuration. Field meanings live in schemas/parameters.schema.json. */
export interface BillingParameters {
  apiUrl: string;
  AgreementType: string;
  AllowAtriaCreateAdditions: boolean;
  BillingPeriod: string;
  CustomersFilter: string[];
  DryRun: boolean;
  RemovalScope: 'ReportedRemovals' | 'AllManagedSkus';
  OnMultipleAgreements: 'UseFirst' | 'Skip';
  NonBillableAdditions: 'Subtract' | 'Ignore';
  NewAdditionEffectiveDate: 'PeriodStart' | 'RunDate';
  MaxZeroedPercent: number;
  MaxConcurrency: number;
  MaxQuantity: number;
  MaxRunMinutes: number;
  PlanMaxAgeDays: number;
  MaxRequestsPerSecond?: number;
}

export interface ConnectWiseSecrets {
  CompanyName: string;
  PublicKey: string;
  PrivateKey: string;
  ClientId: string;
}

export interface BillingConfiguration {
  parameters: BillingParameters;
  secrets: ConnectWiseSecrets;
}
