import { inject, injectable } from 'tsyringe';
import type { BillingConfiguration } from '../config/types.js';
import { CodedError } from '../errors.js';
import { byCloseness } from '../util/closest.js';
import { ATRIA_GATEWAY, type AtriaGateway, type BillingPeriod } from '../gateways/atria/AtriaGateway.js';
import { unsupportedApiVersion } from '../gateways/connectwise/apiVersion.js';
import { CONNECTWISE_GATEWAY, type ConnectWiseGateway } from '../gateways/connectwise/ConnectWiseGateway.js';
import type { PlanItem, PlanToWrite } from '../host/api.js';
import type { RunLogger } from '../logging/runLogger.js';
import { applyPlan, type ChangeOutcome } from '../pipeline/applyPlan.js';
import { changeEntry, WRITE_CODES } from '../pipeline/changeEntries.js';
import { checkPlanToWrite, planDefect } from '../pipeline/checkPlanToWrite.js';
import { lookupProducts } from '../pipeline/lookupProducts.js';
import { mapCustomers } from '../pipeline/mapCustomers.js';
import { prepareBillingData } from '../pipeline/prepareBillingData.js';
import { reconcileAdditions } from '../pipeline/reconcileAdditions.js';
import { resolvePeriod } from '../pipeline/resolvePeriod.js';
import { checkSafetyGuard } from '../pipeline/safetyGuard.js';
import { verifyCreatedAdditions } from '../pipeline/verifyWrites.js';
import type { BillingData, PendingEntry, Plan, PlannedChange } from '../pipeline/types.js';
import { CLOCK, CONFIGURATION, PROGRESS_LISTENER, RUN_LOGGER, type Clock, type ProgressListener, type RunProgress } from './tokens.js';

/** What a run leaves: its plan with each change's outcome, and what stopped it, if anything did. */
export interface RunOutcome {
  plan: PlanItem[];
  error?: unknown;
}

/** One run of the pipeline: checks (6.1), then period → customers → products → additions → guard → apply. */
@injectable()
export class BillingRun {
  private readonly startedAt = Date.now();
  /** The billing period the run resolved, once it has (for the host's run history). */
  period: { startDate: string; endDate: string } | undefined;

  constructor(
    @inject(CONFIGURATION) private readonly configuration: BillingConfiguration,
    @inject(RUN_LOGGER) private readonly logger: RunLogger,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(CONNECTWISE_GATEWAY) private readonly connectWise: ConnectWiseGateway,
    @inject(ATRIA_GATEWAY) private readonly atria: AtriaGateway,
    @inject(PROGRESS_LISTENER) private readonly progress: ProgressListener,
  ) {}

  /**
   * The connection checks of 6.1; throws the coded error of the first that fails. GET /system/info is
   * the cheap authenticated read (and names the server's version, CW02 when it is older than the API
   * version asked for); then the agreement type, then Atria's periods.
   */
  async checkConnections(): Promise<BillingPeriod> {
    const { parameters } = this.configuration;
    const tooOld = unsupportedApiVersion(await this.connectWise.serverVersion());
    if (tooOld) throw new CodedError('CW02', { error: tooOld }, tooOld);
    const agreementType = await this.connectWise.findAgreementType(parameters.AgreementType);
    const periods = await this.atria.listPeriods();
    if (!agreementType) {
      // Which types do exist, the nearest to what was typed first: the fix is usually a typo.
      const names = await this.connectWise.listAgreementTypeNames().catch(() => [] as string[]);
      const nearest = byCloseness(parameters.AgreementType, names).slice(0, 10);
      const suffix = nearest.length > 0 ? ` Agreement types in ConnectWise, closest first: ${nearest.join(', ')}.` : '';
      throw new CodedError('CW21', { agreementType: parameters.AgreementType }, `agreement type ${parameters.AgreementType} not found`, {
        details: { suffix, data: { agreementTypes: nearest } },
      });
    }
    return resolvePeriod(periods, parameters.BillingPeriod, this.clock.now());
  }

  /**
   * The run: its plan (each change with its outcome), and the error that stopped it if one did. A
   * run the safety guard, a cancel or a deadline stopped still returns the plan it had, so the log
   * and the plan file show what was decided and what was written.
   */
  async execute(signal?: AbortSignal, planToWrite?: PlanToWrite): Promise<RunOutcome> {
    let decided: Plan | undefined;
    try {
      decided = planToWrite ? await this.decideFromPlan(planToWrite) : await this.decide();
    } catch (error) {
      return { plan: [], error };
    }
    if (!decided) return { plan: [] };
    // Nothing is written before the guard has seen the whole plan; if it stops the run, the plan still shows why.
    // A plan to write was a person's decision (reviewed, or the run being undone): the guard judged the run that made it.
    const planned = decided.changes.map((change) => toPlanItem(change, 'planned'));
    try {
      if (!planToWrite) checkSafetyGuard(decided, this.configuration.parameters.MaxZeroedPercent);
    } catch (error) {
      return { plan: planned, error };
    }
    if (this.configuration.parameters.DryRun) {
      this.emit(decided.changes.map((change) => changeEntry(change, true)));
      return { plan: planned };
    }
    return this.write(decided.changes, signal);
  }

  /** Checks, period, customers, products, additions: the run's decisions; undefined when Atria has nothing to bill (CW15). */
  private async decide(): Promise<Plan | undefined> {
    const { parameters } = this.configuration;
    const period = await this.checkConnections();
    this.period = { startDate: period.startDate, endDate: period.endDate };
    this.logger.log('CW01', { periodEnd: period.endDate });

    const data = await this.loadBillingData(period);
    if (!data) return undefined;

    const managedSkus = parameters.RemovalScope === 'AllManagedSkus' ? data.billedSkus : new Map<string, string>();
    const { mapped, entries: mapEntries } = await mapCustomers(data.customers, this.connectWise, {
      agreementType: parameters.AgreementType,
      onMultipleAgreements: parameters.OnMultipleAgreements,
    });
    this.emit(mapEntries);

    const { catalog, entries: productEntries } = await lookupProducts(mapped, managedSkus, this.connectWise);
    this.emit(productEntries);

    const reading = this.counting('reading', mapped.length);
    return reconcileAdditions(
      mapped,
      catalog,
      managedSkus,
      this.connectWise,
      {
        allowCreate: parameters.AllowAtriaCreateAdditions,
        removalScope: parameters.RemovalScope,
        concurrency: parameters.MaxConcurrency,
        effectiveDate: this.effectiveDate(period),
        nonBillableAdditions: parameters.NonBillableAdditions,
      },
      (entries) => {
        reading.emit(entries);
        reading.done();
      },
    );
  }

  /**
   * A plan made before (spec 14): apply writes a reviewed dry run's lines, revert undoes a run's.
   * A plan to apply must be for the job's current period and younger than PlanMaxAgeDays (CW39
   * otherwise, before any line is read). Each line's ConnectWise value is read first; only lines
   * still as the plan expects them are written (CW38 for the others).
   */
  private async decideFromPlan(plan: PlanToWrite): Promise<Plan> {
    const { parameters } = this.configuration;
    const period = await this.checkConnections();
    this.period = plan.purpose === 'apply' ? { startDate: period.startDate, endDate: period.endDate } : plan.period;
    this.logger.log('CW01', { periodEnd: this.period.endDate }, { data: { [plan.purpose]: plan.source } });
    const refusal = (plan.purpose === 'apply' && this.staleness(plan, period)) || planDefect(plan);
    if (refusal) throw new CodedError('CW39', { source: plan.source, reason: refusal }, refusal);
    const checked = await checkPlanToWrite(plan, this.connectWise, {
      concurrency: parameters.MaxConcurrency,
      effectiveDate: this.effectiveDate(period),
    });
    this.emit(checked.entries);
    return { changes: checked.changes, matchedAdditions: 0 };
  }

  /** Why a reviewed plan is too old to apply, or undefined: another period than the job's current one, or past PlanMaxAgeDays. */
  private staleness(plan: PlanToWrite, period: BillingPeriod): string | undefined {
    if (plan.period.endDate !== period.endDate)
      return `it was made for the billing period ending ${plan.period.endDate}, and the job's current period ends ${period.endDate}`;
    const made = Date.parse(plan.createdAt);
    if (Number.isNaN(made)) return `the time it was made (${plan.createdAt}) cannot be read`;
    const maxDays = this.configuration.parameters.PlanMaxAgeDays;
    const ageDays = (this.clock.now().getTime() - made) / 86_400_000;
    if (ageDays > maxDays)
      return `it was made on ${plan.createdAt.slice(0, 10)}, ${Math.floor(ageDays)} days ago, more than PlanMaxAgeDays (${maxDays})`;
    return undefined;
  }

  /** The writes, then the end-of-run check of the creates: each change with its outcome, and what stopped the writes if anything did. */
  private async write(changes: readonly PlannedChange[], signal: AbortSignal | undefined): Promise<RunOutcome> {
    const { parameters } = this.configuration;
    const withOutcomes = (outcomes: readonly ChangeOutcome[]): PlanItem[] =>
      changes.map((change, index) => toPlanItem(change, outcomes[index]!, applied.createdIds.get(index)));
    const writing = this.counting('writing', new Set(changes.map((c) => c.agreement.id)).size);
    const applied = await applyPlan(
      changes,
      this.connectWise,
      { concurrency: parameters.MaxConcurrency, signal, beforeWrite: () => this.logger.assertWritable() },
      writing.emit,
      writing.done,
    );
    if (applied.error !== undefined) return { plan: withOutcomes(applied.outcomes), error: applied.error };
    try {
      if (applied.outcomes.some((outcome, index) => outcome !== 'planned' && changes[index]!.action === 'create'))
        await this.connectWise.settleLostWrites();
      const verification = await verifyCreatedAdditions(
        changes,
        applied.outcomes,
        applied.unknownErrors,
        this.connectWise,
        parameters.MaxConcurrency,
      );
      this.emit(verification.entries);
      return { plan: withOutcomes(verification.outcomes) };
    } catch (error) {
      return { plan: withOutcomes(applied.outcomes), error };
    }
  }

  /** The period's rows, validated and summed; the raw rows are dropped here, not held for the run. Undefined when there are none (CW15). */
  private async loadBillingData(period: BillingPeriod): Promise<BillingData | undefined> {
    const rows = await this.atria.fetchRows(period);
    const { data, entries, billableRows } = prepareBillingData(rows, {
      customersFilter: this.configuration.parameters.CustomersFilter,
      periodEnd: period.endDate,
      maxQuantity: this.configuration.parameters.MaxQuantity,
    });
    if (billableRows === 0) {
      // No billable row (none at all, or only rows marked not billable): nothing to bill, so no customer entries either.
      this.emit(entries.filter((entry) => entry.code === 'CW36'));
      this.logger.log('CW15', { periodEnd: period.endDate });
      return undefined;
    }
    this.emit(entries);
    return data;
  }

  private effectiveDate(period: BillingPeriod): string {
    const day =
      this.configuration.parameters.NewAdditionEffectiveDate === 'RunDate' ? this.clock.now().toISOString().slice(0, 10) : period.startDate;
    return `${day}T00:00:00Z`;
  }

  /** An emitter that also reports progress: `done` once per customer; changes are the write entries (CW07, CW08, CW20) so far. */
  private counting(phase: RunProgress['phase'], customersTotal: number): { emit: (entries: PendingEntry[]) => void; done: () => void } {
    let customersDone = 0;
    let changes = 0;
    const report = (): void => {
      const { requests, retries, rateLimited, pacePerSecond } = this.connectWise.stats;
      const seconds = Math.max(0.001, (Date.now() - this.startedAt) / 1000);
      this.progress({
        phase,
        customersDone,
        customersTotal,
        requests,
        retries,
        changes,
        requestsPerSecond: requests / seconds,
        pacePerSecond,
        rateLimited,
      });
    };
    return {
      emit: (entries) => {
        this.emit(entries);
        const written = entries.filter((e) => WRITE_CODES.has(e.code)).length;
        changes += written;
        if (written > 0) report();
      },
      done: () => {
        customersDone++;
        report();
      },
    };
  }

  private emit(entries: readonly PendingEntry[]): void {
    for (const { code, params, details } of entries) this.logger.log(code, params, details);
  }
}

/** A create still unknown (the run stopped before its check) is reported failed: it is not known to bill. */
function toPlanItem(change: PlannedChange, outcome: ChangeOutcome, createdId?: number): PlanItem {
  return {
    customer: change.customer.code,
    company: change.agreement.companyIdentifier,
    agreementId: change.agreement.id,
    additionId: createdId ?? change.additionId,
    sku: change.sku,
    before: change.before,
    after: change.after,
    action: change.action,
    outcome: outcome === 'unknown' ? 'failed' : outcome,
    ...(change.freeUnits > 0 ? { freeUnits: change.freeUnits } : {}),
    customerName: change.customer.name,
    companyName: change.agreement.companyName,
    agreementName: change.agreement.name,
    product: change.productDescription,
    ...moneyOf(change),
    productId: change.productId,
    lineDescription: change.lineDescription,
    ...(change.action === 'create' ? { effectiveDate: change.effectiveDate } : {}),
  };
}

/** Amounts in cents, so sums and differences stay exact to the cent. */
const cents = (amount: number): number => Math.round(amount * 100);

function moneyOf(change: PlannedChange): Pick<PlanItem, 'unitPrice' | 'amountBefore' | 'amountAfter' | 'amountChange' | 'currency'> {
  if (change.unitPrice === null) return {};
  const before = cents((change.before ?? 0) * change.unitPrice);
  const after = cents(change.after * change.unitPrice);
  return {
    unitPrice: change.unitPrice,
    amountBefore: before / 100,
    amountAfter: after / 100,
    amountChange: (after - before) / 100,
    ...(change.agreement.currency ? { currency: change.agreement.currency } : {}),
  };
}
