import { container as globalContainer, type DependencyContainer } from 'tsyringe';
import { ConfigurationValidator } from '../config/validateConfiguration.js';
import type { BillingConfiguration } from '../config/types.js';
import { CancelledError, CodedError, describeError } from '../errors.js';
import { basicAuthorization } from '../gateways/connectwise/httpClient.js';
import { CONNECTWISE_GATEWAY, type ConnectWiseGateway } from '../gateways/connectwise/ConnectWiseGateway.js';
import type { CheckResult, LogEntry, PlanItem, RunContext, RunStatus, TaskResult, TaskType } from '../host/api.js';
import { formatMessage, logCode } from '../logging/codes.js';
import { Redactor } from '../logging/redaction.js';
import { LogUnwritableError, RunLogger } from '../logging/runLogger.js';
import { billingTaskDeclaration, secretsSchema } from '../schemas.js';
import { secretProperties } from '../config/schemaValidator.js';
import { BillingRun } from './billingRun.js';
import { createRunContainer, registerDefaults } from './runContainer.js';
import { describeHolder, RUN_LOCK } from './runLock.js';
import { RUN_DEADLINE } from './tokens.js';

export interface BillingTaskResult extends TaskResult {
  /** What the run cost in ConnectWise requests (not part of host API v1; hosts may ignore it). */
  requests?: ConnectWiseGateway['stats'];
  /** The billing period the run worked on, once resolved (not part of host API v1; a host's history may show it). */
  period?: { startDate: string; endDate: string };
}

/** The secret fields, as the secrets schema marks them: redacted by name wherever they appear. */
const SECRET_FIELDS = secretProperties(secretsSchema());

/** Configuration problems as log entries, for a form or a validate command (no run, so no logger). */
export function problemEntries(problems: readonly CodedError[], redactor: Redactor): LogEntry[] {
  const timestamp = new Date().toISOString();
  return problems.map((p) => ({
    timestamp,
    level: logCode(p.code).level,
    code: p.code,
    message: redactor.text(formatMessage(p.code, p.params) + (p.details?.suffix ?? '')),
    ...(p.details?.data ? { data: p.details.data } : {}),
  }));
}

/** Status from what the log holds: Error → CompletedWithErrors, Warning → CompletedWithWarnings. */
function statusFromLog(logger: RunLogger): RunStatus {
  if (logger.worstLevel === 'Error') return 'CompletedWithErrors';
  if (logger.worstLevel === 'Warning') return 'CompletedWithWarnings';
  return 'Success';
}

/** The ConnectWise Manage Billing task type: validate → per-run container → check | run. */
export class BillingTask implements TaskType {
  readonly id: string;
  readonly displayName: string;
  readonly description: string;
  private readonly root: DependencyContainer;
  private readonly validator = new ConfigurationValidator();

  constructor(parent: DependencyContainer = globalContainer) {
    const declaration = billingTaskDeclaration();
    this.id = declaration.id;
    this.displayName = declaration.displayName;
    this.description = declaration.description;
    this.root = parent.createChildContainer();
    registerDefaults(this.root);
  }

  async run(context: RunContext): Promise<BillingTaskResult> {
    const { logger, configuration } = this.begin(context);
    let status: RunStatus = 'Failed';
    let plan: PlanItem[] = [];
    let requests: ConnectWiseGateway['stats'] | undefined;
    let failure: string | undefined;
    let period: BillingTaskResult['period'];
    const lock = configuration && (await this.lock(configuration, context, logger));
    if (configuration && lock) {
      // Past the deadline the run stops as if cancelled (no new request, no sleep goes on), but ends Failed with CW33.
      const deadline = new AbortController();
      const minutes = configuration.parameters.MaxRunMinutes;
      const timer = setTimeout(() => deadline.abort(), this.root.resolve(RUN_DEADLINE)(minutes));
      const runContext: RunContext = { ...context, signal: AbortSignal.any([context.signal, deadline.signal]) };
      const runContainer = createRunContainer(this.root, runContext, configuration, logger);
      const billingRun = runContainer.resolve(BillingRun);
      try {
        const outcome = await billingRun.execute(runContext.signal, context.planToWrite);
        plan = outcome.plan;
        const deadlinePassed = deadline.signal.aborted && !context.signal.aborted;
        if (deadlinePassed)
          ({ status, failure } = this.classify(new CodedError('CW33', { reason: deadlineReason(minutes) }, 'deadline'), logger, context));
        else if (outcome.error !== undefined) ({ status, failure } = this.classify(outcome.error, logger, context));
        else status = context.signal.aborted ? 'Cancelled' : statusFromLog(logger);
      } finally {
        clearTimeout(timer);
        requests = runContainer.resolve(CONNECTWISE_GATEWAY).stats;
        period = billingRun.period;
        await lock.release();
      }
    }
    return { ...this.finish(logger, status, failure), plan, requests, ...(period ? { period } : {}) };
  }

  /**
   * One run at a time per ConnectWise company (spec 6.8), taken before the first request. A dry run
   * writes nothing, so it needs no lock. Undefined (after CW30) when another run holds it.
   */
  private async lock(
    configuration: BillingConfiguration,
    context: RunContext,
    logger: RunLogger,
  ): Promise<{ release: () => Promise<void> } | undefined> {
    if (configuration.parameters.DryRun) return { release: async () => undefined };
    const outcome = await this.root
      .resolve(RUN_LOCK)
      .acquire({ companyName: configuration.secrets.CompanyName }, { runId: context.runId, jobName: context.jobName });
    if (outcome.acquired) return outcome;
    logger.log('CW30', { apiUrl: configuration.parameters.apiUrl, holder: describeHolder(outcome.holder) });
    return undefined;
  }

  /** The connection test: configuration, ConnectWise, Atria, agreement type and period; no writes, and (not being a run) no CW01/CW23. */
  async check(context: RunContext): Promise<CheckResult> {
    const { logger, configuration } = this.begin(context);
    let status: RunStatus = 'Failed';
    let period: CheckResult['period'];
    if (configuration) {
      try {
        const resolved = await createRunContainer(this.root, context, configuration, logger).resolve(BillingRun).checkConnections();
        period = { startDate: resolved.startDate, endDate: resolved.endDate, status: resolved.status };
        status = 'Success';
      } catch (error) {
        ({ status } = this.classify(error, logger, context));
      }
    }
    logger.close();
    return { ok: status === 'Success', status, counts: { ...logger.counts }, period };
  }

  validate(parameters: unknown, secrets: unknown): LogEntry[] {
    const outcome = this.validator.validate(parameters, secrets);
    return outcome.ok ? [] : problemEntries(outcome.problems, Redactor.fromUnknownSecrets(secrets, [], SECRET_FIELDS));
  }

  private begin(context: RunContext): { logger: RunLogger; configuration?: BillingConfiguration } {
    const outcome = this.validator.validate(context.parameters, context.secrets);
    const authorization = outcome.ok ? basicAuthorization(credentialsOf(outcome.configuration)) : undefined;
    const derived = authorization ? [authorization, authorization.slice('Basic '.length)] : [];
    const redactor = Redactor.fromUnknownSecrets(context.secrets, [context.atria?.token ?? '', ...derived], SECRET_FIELDS);
    // Entries carry wall-clock time; the run clock (context.now) only decides the period and RunDate.
    const logger = new RunLogger(
      (entry) => context.log(entry),
      context.logLevel,
      redactor,
      () => new Date(),
    );
    if (!outcome.ok) {
      for (const problem of outcome.problems) logger.log(problem.code, problem.params, problem.details);
      return { logger };
    }
    return { logger, configuration: outcome.configuration };
  }

  private classify(error: unknown, logger: RunLogger, context: RunContext): { status: RunStatus; failure?: string } {
    if (error instanceof LogUnwritableError) {
      logger.log('CW33', { reason: error.message });
      return { status: 'Failed', failure: error.message };
    }
    if (error instanceof CancelledError || context.signal.aborted) return { status: 'Cancelled' };
    if (error instanceof CodedError) {
      logger.log(error.code, error.params, error.details);
      return { status: 'Failed' };
    }
    // A defect, not a data or connection problem: the run stops and CW23 carries the reason.
    return { status: 'Failed', failure: describeError(error) };
  }

  private finish(logger: RunLogger, status: RunStatus, failure?: string): { status: RunStatus; counts: Record<string, number> } {
    const counts = { ...logger.counts, CW23: (logger.counts.CW23 ?? 0) + 1 };
    logger.log('CW23', { status }, { data: failure === undefined ? { counts } : { counts, error: failure } });
    logger.close();
    return { status, counts };
  }
}

const deadlineReason = (minutes: number): string =>
  `the run deadline of ${minutes} minute${minutes === 1 ? '' : 's'} (MaxRunMinutes) passed`;

function credentialsOf(configuration: BillingConfiguration) {
  const { CompanyName, PublicKey, PrivateKey, ClientId } = configuration.secrets;
  return { companyName: CompanyName, publicKey: PublicKey, privateKey: PrivateKey, clientId: ClientId };
}
