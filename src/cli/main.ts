import 'reflect-metadata';
import { closeSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { container } from 'tsyringe';
import { parseJsonFile, parseLenientJsonOrKeepText } from '../util/lenientJson.js';
import { ConfigurationValidator } from '../config/validateConfiguration.js';
import { FileAtriaGateway } from '../gateways/atria/fileAtriaGateway.js';
import type { LogEntry, PlanToWrite, RunContext, RunStatus } from '../host/api.js';
import { parseLogLevel } from '../logging/levels.js';
import { Redactor, REDACTED } from '../logging/redaction.js';
import { logCsvHeader, logCsvRow, logJsonLine, logTextLine } from '../logging/writers.js';
import { BillingTask, problemEntries, type BillingTaskResult } from '../task/billingTask.js';
import { describeMoney, formatMoney, runFigures, type MoneyFigures } from '../task/runSummary.js';
import { ATRIA_GATEWAY_FACTORY, PROGRESS_LISTENER, type RunProgress } from '../task/tokens.js';
import { HELP, parseCli, parseNow, UsageError, type CliOptions } from './args.js';
import { planToCsv } from '../logging/planWriters.js';
import { PLAN_FORMAT, planToJson, readPlanToWrite, type PlanDocument } from '../task/planDocument.js';
import { decodeUtf8, type NotUtf8Error } from '../util/utf8.js';
import { WholeRecordFile } from '../util/wholeRecordFile.js';

export const EXIT = { ok: 0, errors: 1, failed: 2, usage: 64 } as const;

export function exitCodeFor(status: RunStatus): number {
  if (status === 'Success' || status === 'CompletedWithWarnings') return EXIT.ok;
  if (status === 'CompletedWithErrors') return EXIT.errors;
  return EXIT.failed;
}

const SECRET_ENV = {
  CompanyName: 'CWM_COMPANY_NAME',
  PublicKey: 'CWM_PUBLIC_KEY',
  PrivateKey: 'CWM_PRIVATE_KEY',
  ClientId: 'CWM_CLIENT_ID',
} as const;

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  stderrIsTty: boolean;
}

/** A file's text (strict UTF-8), or the reason it has none, for the task to report with its code. */
async function readText(file: string, what: string): Promise<string | Error> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    return new Error(`the ${what} file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return decodeUtf8(bytes, file);
  } catch (error) {
    return error as NotUtf8Error;
  }
}

/** Secrets from --secrets, else from CWM_* variables; an unreadable file is CW16, reported by the task. */
async function loadSecrets(options: CliOptions, env: NodeJS.ProcessEnv): Promise<unknown> {
  if (options.secrets) {
    const text = await readText(options.secrets, 'secrets');
    return typeof text === 'string' ? parseJsonFile(text, options.secrets, 'secrets') : text;
  }
  const fromEnv = Object.fromEntries(
    Object.entries(SECRET_ENV)
      .filter(([, name]) => env[name] !== undefined)
      .map(([field, name]) => [field, env[name]]),
  );
  if (Object.keys(fromEnv).length > 0) return fromEnv;
  return new Error('no secrets were given: use --secrets S.json or the CWM_* environment variables');
}

/** The Atria token: --atria-token-file (preferred: argv shows in ps), else --atria-token, else ATRIA_TOKEN. */
async function loadAtriaToken(options: CliOptions, env: NodeJS.ProcessEnv): Promise<string | Error> {
  if (!options.atriaTokenFile) return options.atriaToken ?? env.ATRIA_TOKEN ?? '';
  const text = await readText(options.atriaTokenFile, 'Atria token');
  return text instanceof Error ? text : text.trim();
}

export async function main(argv: string[], io: Io): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`cwm-billing: ${error.message}\n\n${HELP}`);
    return EXIT.usage;
  }
  if (options.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const logLevel = parseLogLevel(options.logLevel);
  if (!logLevel) {
    io.stderr(`cwm-billing: --log-level must be Verbose, Info, Warning or Error\n`);
    return EXIT.usage;
  }
  const atriaToken = await loadAtriaToken(options, io.env);
  if (atriaToken instanceof Error) {
    io.stderr(`cwm-billing: ${atriaToken.message}\n`);
    return EXIT.usage;
  }
  const parametersText = await readText(options.parameters!, 'parameters');
  const secrets = await loadSecrets(options, io.env);
  const secretValues = parseLenientJsonOrKeepText(secrets);
  const redactor = Redactor.fromUnknownSecrets(secretValues, [atriaToken]);
  let parameters = parseLenientJsonOrKeepText(parametersText);
  if (options.dryRun && parameters && typeof parameters === 'object' && !Array.isArray(parameters))
    parameters = { ...parameters, DryRun: true };

  if (options.command === 'validate') return validate(parameters, secrets, io, redactor);
  let planToWrite: PlanToWrite | undefined;
  if (options.command === 'apply' || options.command === 'revert') {
    const read = await readPlanToWrite(options.plan!, options.command);
    if ('problem' in read) {
      io.stderr(
        `cwm-billing: the plan file ${options.plan} cannot be used for ${options.command}: ${read.problem}; nothing was read or written\n`,
      );
      return EXIT.usage;
    }
    planToWrite = read;
  }

  // The progress line (stderr) is cleared before a log line (stdout) is printed, so on one terminal they never run into each other.
  let progressShown = false;
  const clearProgress = (): void => {
    if (progressShown) io.stderr('\r\u001b[K');
    progressShown = false;
  };
  const print = (entry: LogEntry): void => {
    clearProgress();
    io.stdout(options.logFormat === 'json' ? logJsonLine(entry) : logTextLine(entry));
  };
  // Files that cannot be written are found before the first request, not after the writes.
  let file: ReturnType<typeof openLogFile> | undefined;
  try {
    file = options.logFile ? openLogFile(options.logFile) : undefined;
    if (options.planFile) closeSync(openSync(options.planFile, 'a'));
  } catch (error) {
    const which = file || !options.logFile ? `plan file ${options.planFile}` : `log file ${options.logFile}`;
    io.stderr(
      `cwm-billing: cannot write the ${which} (${(error as NodeJS.ErrnoException).code ?? 'error'}); nothing was read or written\n`,
    );
    file?.close();
    return EXIT.failed;
  }
  const parent = container.createChildContainer();
  if (options.atriaFile) {
    const periodEnd = options.periodEnd ?? datedPeriod(parameters);
    // A CSV export covers one period: --period-end names it, so BillingPeriod is that date.
    if (options.periodEnd && parameters && typeof parameters === 'object' && !Array.isArray(parameters))
      parameters = { ...parameters, BillingPeriod: options.periodEnd };
    parent.register(ATRIA_GATEWAY_FACTORY, { useValue: () => new FileAtriaGateway(options.atriaFile!, periodEnd) });
  }
  // On a terminal (and with text logs), a progress line on stderr; scripts and hosts get clean output.
  const showProgress = io.stderrIsTty && options.logFormat === 'text' && options.command !== 'check';
  if (showProgress) {
    parent.register(PROGRESS_LISTENER, {
      useValue: (p: RunProgress) => {
        io.stderr(`\r\u001b[K${progressLine(p)}`);
        progressShown = true;
      },
    });
  }
  const task = new BillingTask(parent);
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const fixedNow = options.now ? parseNow(options.now) : undefined;
  let entriesInFile = 0;
  let fileFailed = false;
  const context: RunContext = {
    jobId: 'cli',
    runId: randomUUID(),
    jobName: 'cwm-billing',
    parameters,
    secrets,
    logLevel,
    log: (entry) => {
      print(entry);
      if (!file || fileFailed) return;
      try {
        file.write(entry);
        entriesInFile++;
      } catch (error) {
        // Rethrown: the task stops before its next write. The rest of the log is still on stdout.
        fileFailed = true;
        io.stderr(
          `cwm-billing: the log file ${options.logFile} could not be written (${(error as NodeJS.ErrnoException).code ?? 'error'}) after ${entriesInFile} entries; it holds those whole, and the rest of the log is on stdout only\n`,
        );
        throw error;
      }
    },
    signal: controller.signal,
    atria: { baseUrl: options.atriaUrl ?? '', token: atriaToken },
    now: () => fixedNow ?? new Date(),
    ...(planToWrite ? { planToWrite } : {}),
  };
  const startedAt = (fixedNow ?? new Date()).toISOString();
  try {
    if (options.command === 'check') {
      const result = await task.check(context);
      if (result.ok) {
        const period = result.period ? ` to ${result.period.startDate} .. ${result.period.endDate} (${result.period.status})` : '';
        io.stdout(
          `Connection check passed: ConnectWise accepted the credentials and has the agreement type; Atria answered and the billing period resolved${period}. Nothing was written.\n`,
        );
      }
      return result.ok ? EXIT.ok : EXIT.failed;
    }
    const result = (await task.run(context)) as BillingTaskResult;
    if (options.planFile) {
      const plan = redactor.value(result.plan);
      const document: PlanDocument = {
        format: PLAN_FORMAT,
        runId: context.runId,
        dryRun: (parameters as { DryRun?: unknown } | undefined)?.DryRun === true,
        status: result.status,
        ...(result.period ? { period: result.period } : {}),
        createdAt: startedAt,
        items: plan,
      };
      await writeFile(options.planFile, /\.csv$/i.test(options.planFile) ? planToCsv(plan) : planToJson(document));
    }
    clearProgress();
    if (showProgress) io.stderr(summaryTable(result));
    return exitCodeFor(result.status);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    file?.close();
  }
}

function validate(parameters: unknown, secrets: unknown, io: Io, redactor: Redactor): number {
  const outcome = new ConfigurationValidator().validate(parameters, secrets);
  if (!outcome.ok) {
    for (const entry of problemEntries(outcome.problems, redactor)) io.stdout(logTextLine(entry));
    return EXIT.failed;
  }
  const masked = Object.fromEntries(Object.keys(outcome.configuration.secrets).map((key) => [key, REDACTED]));
  io.stdout(JSON.stringify({ parameters: outcome.configuration.parameters, secrets: masked }, null, 2) + '\n');
  return EXIT.ok;
}

function datedPeriod(parameters: unknown): string | undefined {
  const period = (parameters as { BillingPeriod?: unknown } | undefined)?.BillingPeriod;
  return typeof period === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(period) ? period : undefined;
}

/**
 * The log file, written synchronously entry by entry in whole lines: a write that fails (a full disk,
 * `ulimit -f`) throws at once, so the run stops before its next write, and the file keeps only whole lines.
 */
function openLogFile(path: string): { write(entry: LogEntry): void; close(): void } {
  const csv = /\.csv$/i.test(path);
  const file = WholeRecordFile.open(path, 'w');
  try {
    if (csv) file.append(logCsvHeader());
  } catch (error) {
    file.close();
    throw error;
  }
  return { write: (entry) => file.append(csv ? logCsvRow(entry) : logJsonLine(entry)), close: () => file.close() };
}

export function progressLine(p: RunProgress): string {
  const verb = p.phase === 'reading' ? 'planned' : 'written';
  const pace =
    p.pacePerSecond === undefined ? '' : `, paced at ${p.pacePerSecond.toFixed(1)}/s (${p.rateLimited} × 429: ConnectWise is throttling)`;
  return `${p.phase === 'reading' ? 'Reading' : 'Writing'}: customers ${p.customersDone}/${p.customersTotal} ${verb}, ${p.requests} requests (${p.requestsPerSecond.toFixed(1)}/s${pace}), ${p.retries} retries, ${p.changes} changes written `;
}

/** The run's change to monthly billing, as rows of the end-of-run table (none when no line has a price). */
function moneyRows(m: MoneyFigures): [string, string][] {
  if (describeMoney(m) === undefined) return [];
  const rows: [string, string][] = [
    [m.basis === 'written' ? 'Monthly billing change' : 'Monthly billing would change by', formatMoney(m.change, m.currency)],
    ['  increases / decreases', `${formatMoney(m.increases)} / ${formatMoney(m.decreases)}`],
    ['  new / zeroed', `${formatMoney(m.created)} / ${formatMoney(m.zeroed)}`],
  ];
  if (m.unpriced > 0) rows.push(['  lines without a price', String(m.unpriced)]);
  return rows;
}

/** The end-of-run table on a terminal: what was written, what was only planned, what was skipped and why. */
function summaryTable(result: BillingTaskResult): string {
  const f = runFigures(result);
  const rows: [string, string | number][] = [
    ['Status', result.status],
    ['Updated (written)', f.written.update],
    ['Zeroed (written)', f.written.zero],
    ['Created (written)', f.written.create],
    ['Planned, not written', f.planned],
    ['Failed writes', f.failed],
    ...moneyRows(f.money),
    ...f.skipped.map((s): [string, number] => [`Skipped: ${s.code} ${s.title}`, s.count]),
    ...f.errors.map((e): [string, string] => [`Error: ${e.code}`, e.title]),
    ['Requests', result.requests?.requests ?? 0],
    ['Retries', result.requests?.retries ?? 0],
    ['Answered 429 (throttled)', result.requests?.rateLimited ?? 0],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return '\n' + rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}
