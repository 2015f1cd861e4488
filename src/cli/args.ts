import { parseArgs } from 'node:util';
import { atriaUrlProblem } from '../config/apiUrl.js';

export class UsageError extends Error {}

export const COMMANDS = ['validate', 'check', 'run', 'apply', 'revert'] as const;
export type Command = (typeof COMMANDS)[number];

export const HELP = `cwm-billing — ConnectWise Manage Billing from the command line

Usage:
  cwm-billing validate --parameters P.json --secrets S.json
  cwm-billing check    --parameters P.json --secrets S.json  ATRIA
  cwm-billing run      --parameters P.json --secrets S.json  ATRIA [--dry-run] [--log-level L]
                       [--log-format text|json] [--log-file F.jsonl|F.csv] [--plan-file F.json|F.csv]
                       [--now ISO-8601]
  cwm-billing apply    --plan F.json --parameters P.json --secrets S.json  ATRIA [--dry-run] [run's log options]
  cwm-billing revert   --plan F.json --parameters P.json --secrets S.json  ATRIA [--dry-run] [run's log options]
  cwm-billing --help

ATRIA = --atria-url URL [--atria-token-file F | --atria-token T]
                                              https (http only to loopback); the token from a file,
                                              ATRIA_TOKEN, or --atria-token (visible to ps: avoid)
      | --atria-file F [--period-end YYYY-MM-DD]
                                              a JSON file of periods and rows, or the CSV export of
                                              Atria's Service Billing Summary report (one period:
                                              its end date from --period-end or a dated BillingPeriod)

Commands:
  validate   check parameters and secrets; print the effective configuration (secrets as ***)
  check      connection test against ConnectWise and Atria; writes nothing
  run        the billing job: update, zero and create agreement additions (with --dry-run, plan only)
  apply      write a reviewed dry run's plan (its --plan-file F.json) exactly as reviewed: a line whose
             ConnectWise value changed since is not written (CW38); a plan for another period or
             older than PlanMaxAgeDays is refused (CW39)
  revert     undo a run from its plan file: each line it wrote goes back to its before-value where
             ConnectWise still holds the run's value (else CW38); additions it created go to 0

Options:
  --dry-run              do every read and decision, write nothing; entries that describe a write start [DryRun]
  --log-level L          Verbose | Info | Warning | Error (default Info)
  --log-format F         text (default: "timestamp level code message") or json (one object a line)
  --log-file F           also write the log to F: .jsonl for JSON lines, .csv for Excel
  --plan-file F          write the plan (applied or planned changes) to F: .json or .csv
  --plan F.json          apply, revert: the plan file to write or undo
  --now ISO-8601         run as if at that time (a date alone means UTC midnight)

Secrets may come from the environment instead of a file:
  CWM_COMPANY_NAME, CWM_PUBLIC_KEY, CWM_PRIVATE_KEY, CWM_CLIENT_ID

Exit codes: 0 Success or CompletedWithWarnings; 1 CompletedWithErrors; 2 Failed or Cancelled; 64 bad usage.
`;

export interface CliOptions {
  command: Command;
  parameters?: string;
  secrets?: string;
  atriaUrl?: string;
  atriaToken?: string;
  atriaTokenFile?: string;
  atriaFile?: string;
  periodEnd?: string;
  dryRun: boolean;
  logLevel: string;
  logFormat: 'text' | 'json';
  logFile?: string;
  planFile?: string;
  /** apply, revert: the plan file to write or undo. */
  plan?: string;
  now?: string;
  help: boolean;
}

export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        parameters: { type: 'string' },
        secrets: { type: 'string' },
        'atria-url': { type: 'string' },
        'atria-token': { type: 'string' },
        'atria-token-file': { type: 'string' },
        'atria-file': { type: 'string' },
        'period-end': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'log-level': { type: 'string', default: 'Info' },
        'log-format': { type: 'string', default: 'text' },
        'log-file': { type: 'string' },
        'plan-file': { type: 'string' },
        plan: { type: 'string' },
        now: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'run', dryRun: false, logLevel: 'Info', logFormat: 'text', help: true };
  const command = positionals[0];
  if (!command) throw new UsageError('a command is required: validate, check, run, apply or revert');
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command '${command}'`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  if (!values.parameters) throw new UsageError('--parameters is required');
  const logFormat = values['log-format'];
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError('--log-format must be text or json');
  if (command !== 'validate') {
    if (!values['atria-url'] === !values['atria-file']) throw new UsageError('give exactly one of --atria-url or --atria-file');
  }
  if (values['atria-url']) {
    const problem = atriaUrlProblem(values['atria-url']);
    if (problem) throw new UsageError(`--atria-url: ${problem}`);
  }
  if (values['atria-token'] && values['atria-token-file']) throw new UsageError('give --atria-token-file or --atria-token, not both');
  if (values['log-file'] && !/\.(jsonl|csv)$/i.test(values['log-file'])) throw new UsageError('--log-file must end in .jsonl or .csv');
  if (values['plan-file'] && !/\.(json|csv)$/i.test(values['plan-file'])) throw new UsageError('--plan-file must end in .json or .csv');
  const writesPlan = command === 'apply' || command === 'revert';
  if (writesPlan !== Boolean(values.plan))
    throw new UsageError(writesPlan ? `${command} needs --plan F.json (a run's --plan-file)` : '--plan is for apply and revert');
  if (values['period-end'] && !/^\d{4}-\d{2}-\d{2}$/.test(values['period-end'])) throw new UsageError('--period-end must be YYYY-MM-DD');
  if (values.now && Number.isNaN(parseNow(values.now).getTime())) throw new UsageError('--now must be an ISO-8601 date or date-time');
  return {
    command: command as Command,
    parameters: values.parameters,
    secrets: values.secrets,
    atriaUrl: values['atria-url'],
    atriaToken: values['atria-token'],
    atriaTokenFile: values['atria-token-file'],
    atriaFile: values['atria-file'],
    periodEnd: values['period-end'],
    dryRun: values['dry-run'] ?? false,
    logLevel: values['log-level'] ?? 'Info',
    logFormat,
    logFile: values['log-file'],
    planFile: values['plan-file'],
    plan: values.plan,
    now: values.now,
    help: false,
  };
}

/** A date alone means UTC midnight. */
/**
 * `--now`: a date alone is UTC midnight, and a date-time without an offset is UTC too (JavaScript
 * would read it in the machine's time zone, so the period would depend on TZ). Anything else is NaN.
 */
export function parseNow(text: string): Date {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text.trim());
  if (!match) return new Date(Number.NaN);
  const [, date, time = '00:00:00', offset = 'Z'] = match;
  return new Date(`${date}T${time}${offset.toUpperCase()}`);
}
