/** Host API version 1: what a host gives the extension and what it expects back (spec section 3). */

export const HOST_API_VERSION = 1;

export const LOG_LEVELS = ['Verbose', 'Info', 'Warning', 'Error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogEntry {
  timestamp: string;
  level: LogLevel;
  code: string;
  message: string;
  customer?: string;
  sku?: string;
  data?: Record<string, unknown>;
}

export type RunStatus = 'Success' | 'CompletedWithWarnings' | 'CompletedWithErrors' | 'Failed' | 'Cancelled';

export type PlanAction = 'update' | 'zero' | 'create';

/** One change to ConnectWise, applied or (in a dry run) planned. */
export interface PlanItem {
  customer: string;
  company: string;
  agreementId: number;
  additionId: number | null;
  sku: string;
  before: number | null;
  after: number;
  action: PlanAction;
  /** What happened to it: planned (dry run or stopped by the guard), applied, or failed. */
  outcome: 'planned' | 'applied' | 'failed';
  /** Units on the product's live DoNotBill/NoCharge additions taken off Atria's count (absent when none). */
  freeUnits?: number;
  /** Names beside the codes (optional in host API v1): Atria's customer name, ConnectWise's company, agreement and product. */
  customerName?: string;
  companyName?: string;
  agreementName?: string;
  product?: string;
  /**
   * Money (optional in host API v1): what one unit bills (the addition's unitPrice; for a create the
   * catalog price), the monthly amount before and after (quantity × unit price) and the change, in
   * `currency` when ConnectWise gives the agreement one. Absent when ConnectWise gave no price.
   */
  unitPrice?: number;
  amountBefore?: number;
  amountAfter?: number;
  amountChange?: number;
  currency?: string;
  /**
   * What writing the line again takes (optional in host API v1; given by this extension): the
   * catalog product, and for a create the addition's description and effective date.
   */
  productId?: number;
  lineDescription?: string;
  effectiveDate?: string;
}

/**
 * A plan to write instead of deciding one (optional in host API v1, capability `applyPlan`):
 * `apply` writes a reviewed dry run's planned lines exactly as reviewed; `revert` puts back the
 * before-values of a run's applied lines. Either way each line's current value is read first and a
 * line that changed since is left alone.
 */
export interface PlanToWrite {
  purpose: 'apply' | 'revert';
  /** Where the plan came from, for the log: a run id or a file name. */
  source: string;
  /** The billing period the plan was made for, and when it was made (the run's start). */
  period: { startDate: string; endDate: string };
  createdAt: string;
  items: PlanItem[];
}

export interface TaskResult {
  status: RunStatus;
  counts: Record<string, number>;
  plan: PlanItem[];
}

export interface CheckResult {
  ok: boolean;
  status: RunStatus;
  counts: Record<string, number>;
  /** The billing period the parameters resolved to (optional in host API v1: hosts may ignore it). */
  period?: { startDate: string; endDate: string; status: string };
}

export interface AtriaConnection {
  baseUrl: string;
  token: string;
}

export interface RunContext {
  jobId: string;
  runId: string;
  jobName: string;
  /** The job's parameters as stored: unknown JSON, validated by the task. */
  parameters: unknown;
  /** The job's secrets, decrypted by the host; may be absent or unreadable. */
  secrets: unknown;
  logLevel: LogLevel;
  log(entry: LogEntry): void;
  signal: AbortSignal;
  atria: AtriaConnection;
  now(): Date;
  /** Write this plan instead of deciding one (optional in host API v1; see PlanToWrite). */
  planToWrite?: PlanToWrite;
}

export interface TaskType {
  id: string;
  displayName: string;
  description: string;
  run(context: RunContext): Promise<TaskResult>;
  check(context: RunContext): Promise<CheckResult>;
  /** Optional: the coded entries a job form shows for these parameters and secrets (none when valid). No I/O. */
  validate?(parameters: unknown, secrets: unknown): LogEntry[];
}

export interface ExtensionHost {
  hostApiVersion: number;
  registerTaskType(taskType: TaskType): void;
}
