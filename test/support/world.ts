import type { AtriaApiRow } from '../../scripts/sandbox/atriaServer.js';
import type { CwAddition } from '../../scripts/sandbox/cwState.js';
import { billsOn, emptyState } from '../../scripts/sandbox/cwState.js';
import {
  AGREEMENT_TYPE,
  type Dataset,
  emptySummary,
  periodsAround,
  SANDBOX_ATRIA_TOKEN,
  SANDBOX_CREDENTIALS,
} from '../../scripts/sandbox/generator.js';
import { TEST_NOW } from './harness.js';

export const SKUS = ['A1', 'B2', 'C3', 'D4', 'E5', 'F6', 'G7', 'H8'];

/** A hand-made ConnectWise + Atria world for decision-table tests: each case states exactly what it needs. */
export class World {
  readonly state = emptyState();
  readonly rows: AtriaApiRow[] = [];
  readonly periods = periodsAround(TEST_NOW);
  readonly period = this.periods[2]!;
  /** resultCount per row as Atria would declare it; by default every row says the true total. */
  declaredResultCounts?: unknown[];
  private nextAgreement = 100;
  private nextAddition = 1;

  constructor() {
    this.state.agreementTypes.push({ id: 1, name: AGREEMENT_TYPE }, { id: 2, name: 'Managed Services' });
    SKUS.forEach((sku, i) =>
      this.state.catalog.push({
        id: 500 + i,
        identifier: sku,
        description: `Product ${sku}`,
        inactiveFlag: false,
        subcategory: { id: 1 },
        type: { id: 1 },
        customerDescription: sku,
        price: 10 + i,
      }),
    );
    this.state.catalog.push({
      id: 600,
      identifier: 'OLD9',
      description: 'Inactive',
      inactiveFlag: true,
      subcategory: { id: 1 },
      type: { id: 1 },
      customerDescription: 'old',
    });
  }

  productId(sku: string): number {
    return this.state.catalog.find((c) => c.identifier === sku)!.id;
  }

  company(identifier: string): this {
    this.state.companies.push({ id: this.state.companies.length + 1, identifier, name: `${identifier} Inc` });
    return this;
  }

  agreement(
    identifier: string,
    options: {
      type?: string;
      cancelled?: boolean;
      status?: 'Active' | 'Expired' | 'Cancelled' | 'Inactive';
      startDate?: string;
      billStartDate?: string;
    } = {},
  ): number {
    if (!this.state.companies.some((c) => c.identifier === identifier)) this.company(identifier);
    const company = this.state.companies.find((c) => c.identifier === identifier)!;
    const type = this.state.agreementTypes.find((t) => t.name === (options.type ?? AGREEMENT_TYPE))!;
    const id = this.nextAgreement++;
    this.state.agreements.push({
      id,
      name: `Agreement ${id}`,
      type: { id: type.id, name: type.name },
      company: { id: company.id, identifier, name: company.name },
      contact: { id: 1 },
      cancelledFlag: options.cancelled ?? false,
      agreementStatus: options.status ?? 'Active',
      startDate: options.startDate ?? '2025-01-01T00:00:00Z',
      billStartDate: options.billStartDate,
    });
    return id;
  }

  addition(agreementId: number, sku: string, quantity: number, extra: Partial<CwAddition> = {}): number {
    const id = this.nextAddition++;
    this.state.additions.push({
      id,
      agreementId,
      product: { id: this.productId(sku), identifier: sku },
      quantity,
      billCustomer: 'Billable',
      description: `Existing ${sku}`,
      ...extra,
    });
    return id;
  }

  row(
    customerCode: string,
    accountCode: string,
    sku: string,
    thisMonth: unknown,
    lastMonth: unknown = thisMonth,
    grouping = `${sku} licences`,
  ): this {
    this.rows.push({
      customerCode,
      customerName: `${customerCode} Name`,
      customerAccountCode: accountCode,
      productSku: sku,
      summaryGrouping: grouping,
      lastMonthCount: lastMonth,
      thisMonthCount: thisMonth,
      resultCount: 0,
    });
    return this;
  }

  quantityOf(additionId: number): number | undefined {
    return this.state.additions.find((a) => a.id === additionId)?.quantity;
  }

  /** Additions of the agreement that still bill at the period's start (cancelled later, or not at all). */
  activeOn(agreementId: number): CwAddition[] {
    return this.state.additions.filter((a) => a.agreementId === agreementId && billsOn(a, this.period.startDate));
  }

  dataset(): Dataset {
    this.rows.forEach((row, i) => (row.resultCount = this.declaredResultCounts ? this.declaredResultCounts[i] : this.rows.length));
    return {
      credentials: SANDBOX_CREDENTIALS,
      atriaToken: SANDBOX_ATRIA_TOKEN,
      agreementType: AGREEMENT_TYPE,
      state: this.state,
      atria: { periods: this.periods, rows: { [this.period.endDate]: this.rows } },
      period: this.period,
      expected: [],
      summary: emptySummary(0, this.rows.length),
    };
  }
}

import { startSandboxes, type Sandboxes } from '../../scripts/sandbox/sandboxes.js';
import type { ConnectWiseSandboxOptions } from '../../scripts/sandbox/connectwiseServer.js';
import type { AtriaSandboxOptions } from '../../scripts/sandbox/atriaServer.js';
import type { LogEntry } from '../../src/host/api.js';
import type { BillingTaskResult } from '../../src/task/billingTask.js';
import { runTask, type RunOptions } from './harness.js';

export interface WorldRun {
  result: BillingTaskResult;
  entries: LogEntry[];
  sandboxes: Sandboxes;
  /** Writes the ConnectWise sandbox accepted (POST, PATCH, PUT with a 2xx). */
  writes: number;
}

/** Starts sandboxes over the world, runs the task once, and closes them. */
export async function runWorld(
  world: World,
  options: RunOptions = {},
  sandboxOptions: { connectWise?: Partial<ConnectWiseSandboxOptions>; atria?: Partial<AtriaSandboxOptions> } = {},
): Promise<WorldRun> {
  const dataset = world.dataset();
  const sandboxes = await startSandboxes(dataset, sandboxOptions);
  try {
    const { result, entries } = await runTask(sandboxes, dataset, options);
    return { result, entries, sandboxes, writes: sandboxes.connectWise.counts().writes };
  } finally {
    await sandboxes.close();
  }
}
