/**
 * The reference host: `npm run host -- <command>`, state under $HOST_HOME (default ./.host). A
 * sub-command parser (commander): each command takes its own options, checked before it runs;
 * `--help` anywhere shows them; bad usage exits 64.
 */
import 'reflect-metadata';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { LOG_LEVELS } from '../../src/host/api.js';
import { readJson, writeJsonAtomic } from './atomicFile.js';
import { describeTime, hostTimeZone } from './cron.js';
import { createJob, nextRunOf, scheduleProblems, setJobEnabled, storedSecrets, taskProblems, updateJob } from './jobActions.js';
import { installExtension, loadAllTaskTypes, taskTypeOfJob } from './extensions.js';
import { JobStore, type Job } from './jobs.js';
import { hostPaths, REPO_ROOT } from './paths.js';
import { isDryRun, listRuns, readRunLog, readRunPlan, readRunRecord, recoverInterruptedRuns, runJob, type RunTrigger } from './runner.js';
import { planDocumentOf, rejectRun, type WritePurpose } from './planRuns.js';
import { deliver } from './notify/notifyRun.js';
import { testNotification } from './notify/message.js';
import { parseEmails, readNotifySettings, saveNotifySettings, setJobNotify, type SmtpSecurity } from './notify/settings.js';
import { planTable } from './planTable.js';
import { formatLog, queryLog } from './runLogs.js';
import { runScheduler } from './scheduler.js';
import { setPassword } from './web/password.js';
import { startConsole } from './web/start.js';
import { ConsoleSetupError, DamagedFileError, EXIT_USAGE, HostError, UsageError } from './errors.js';
import { ATRIA_TOKEN_BINDING, jobSecretsBinding, loadKey, seal } from './secretBox.js';
import { HOST_CONFIG_SHAPE } from './stateShapes.js';
import {
  atriaUrlProblem,
  parseJsonFile,
  parseLenientJsonOrKeepText,
  summarizeRun,
  planToCsv,
  planToJson,
  moneyFigures,
  formatMoney,
  decodeUtf8,
  NotUtf8Error,
  keepHeapCompact,
} from '../../src/index.js';

/** A JSON file's value (trailing commas allowed), or its text when it is not JSON, or why it is no UTF-8 text: for the task type to report. */
function readJsonFile(file: string, what: string): unknown {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new UsageError(`cannot read the ${what} file ${file}`);
  }
  try {
    const text = decodeUtf8(bytes, file);
    return what === 'secrets' ? parseJsonFile(text, file, 'secrets') : parseLenientJsonOrKeepText(text);
  } catch (error) {
    if (error instanceof NotUtf8Error) return error;
    throw error;
  }
}

export interface HostIo {
  out: (s: string) => void;
  err: (s: string) => void;
  confirm: (q: string) => Promise<string>;
  askSecret: (q: string) => Promise<string>;
}

/** An option's value as one of a list (any case), or a usage error naming them all: never a silent "show everything". */
const oneOf =
  <T extends string>(option: string, allowed: readonly T[]) =>
  (value: string): T => {
    const match = allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase());
    if (!match) throw new InvalidArgumentError(`${option} must be one of ${allowed.join(', ')} (got '${value}')`);
    return match;
  };

/** A whole number within bounds, or a usage error: `--tick-ms abc` must never become a busy loop. */
const wholeNumber =
  (option: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`${option} must be a whole number from ${min} to ${max} (got '${value}')`);
    return n;
  };

const EXPLAIN_CRON = `
CRON: 5 fields, or 6 with seconds ("0 0 21 L * ?"); runs at most once a minute. Its times are in
the job's time zone (--time-zone, an IANA name; default the host's own), so "0 22 26 * *" is
22:00 on the 26th there, summer time included.`;

/** The host's notification settings in words; the password is never shown. */
function describeSmtp(settings: ReturnType<typeof readNotifySettings>): string {
  const { smtp, consoleUrl } = settings;
  const server = smtp
    ? `${smtp.host}:${smtp.port} (${smtp.security}), from ${smtp.from}${smtp.user ? `, user ${smtp.user}, password ${smtp.password ? 'stored encrypted' : 'none'}` : ''}`
    : '(unset: config set-smtp)';
  return `SMTP         ${server}\nConsole URL  ${consoleUrl ?? '(unset: messages name the command instead of a link)'}`;
}

/** A job's recipients in words; the webhook's address is never shown. */
const describeNotify = (job: Job): string =>
  job.notify
    ? `e-mail to ${job.notify.emails.join(', ') || 'nobody'}; webhook ${job.notify.webhook ? 'set (stored encrypted)' : 'none'}`
    : 'nobody is notified';

/** Builds the host's commands; each action returns its exit status through `exit`. */
function hostProgram(io: HostIo, exit: (code: number) => void): Command {
  const paths = hostPaths();
  const store = new JobStore(paths);
  const program = new Command('npm run host --')
    .description('The reference host: runs extension jobs on a schedule; state under $HOST_HOME (default ./.host).')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showHelpAfterError('(add --help for the options)')
    .addHelpCommand(false);

  const reportBroken = (line: string): void => io.err(`${line}\n`);
  const taskTypeFor = async (name: string) => {
    const loaded = (await loadAllTaskTypes(paths, reportBroken)).find((t) => t.taskType.displayName === name || t.taskType.id === name);
    if (!loaded) throw new UsageError(`no installed task type '${name}'; see job-types`);
    return loaded;
  };
  const boundTaskType = async (job: Job) => {
    const loaded = taskTypeOfJob(await loadAllTaskTypes(paths, reportBroken), job);
    if (!loaded)
      throw new UsageError(
        `the task type of job ${job.id} (${job.extensionId ?? ''} ${job.taskTypeId ?? job.taskType}) is not installed; see job-types`,
      );
    return loaded;
  };
  const describe = (job: Job) => {
    const upcoming = nextRunOf(job);
    const next = upcoming ? describeTime(upcoming, job.timeZone) : '(disabled)';
    const last = job.lastRun ? `${job.lastRun.status} (${job.lastRun.dryRun ? 'dry run ' : ''}run ${job.lastRun.runId})` : 'never run';
    return { id: job.id, name: job.name, type: job.taskType, enabled: job.enabled, cron: job.cron, next, last };
  };
  /** Stops on Ctrl-C or SIGTERM: a running job ends Cancelled with a complete log. */
  const untilStopped = (): AbortSignal => {
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    process.once('SIGTERM', () => controller.abort());
    return controller.signal;
  };

  program
    .command('install-extension')
    .description("install or upgrade the extension package (the guide's Install-AtriaExtension)")
    .option('--path <dir|file.tgz>', 'the built package: a directory or an npm pack .tgz (default: this checkout)')
    .option('--extension <name>', 'the vendor form: -Extension ConnectWiseManage')
    .option('--restart-services', 'a running scheduler loads the new version before its next run', false)
    .addHelpText(
      'after',
      '\nAlso: npm run host -- install-extension -Extension ConnectWiseManage -RestartServices\nAn install that fails leaves the previous version in use.',
    )
    .action(async (options: { path?: string; extension?: string; restartServices: boolean }) => {
      if (!options.path && options.extension && options.extension !== 'ConnectWiseManage')
        throw new UsageError(`unknown extension ${options.extension}`);
      const installed = await installExtension(paths, options.path ?? REPO_ROOT, { restart: options.restartServices });
      io.out(
        `Installed ${installed.id} ${installed.version}${options.restartServices ? '; services restarted: a running scheduler loads it before its next run' : ''}\n`,
      );
      exit(0);
    });

  const config = program
    .command('config')
    .description("the host's own connection to Atria, and how it sends notifications")
    .addHelpCommand(false);
  config
    .command('set')
    .description("set the host's Atria URL and token (or set HOST_ATRIA_URL and HOST_ATRIA_TOKEN in the environment)")
    .option('--atria-url <url>', "Atria's API base: https (plain http only to a loopback address)")
    .option('--atria-token-file <file>', 'a file holding the Atria token; it is stored encrypted')
    .option('--new-key', 'start again with a new host key (when the old key file is lost)', false)
    .action((options: { atriaUrl?: string; atriaTokenFile?: string; newKey: boolean }) => {
      let saved: Record<string, unknown> = {};
      try {
        saved = readJson(paths.configFile, HOST_CONFIG_SHAPE) ?? {};
      } catch (error) {
        if (!(error instanceof DamagedFileError)) throw error;
        // The way out of a damaged file is to write it anew; what it held is said to be lost.
        io.err(
          `${error.file} was damaged (${error.reason}): it is written anew with the values given now${options.atriaTokenFile ? '' : '; give --atria-token-file again, the stored token could not be read'}${options.atriaUrl ? '' : '; give --atria-url again'}\n`,
        );
      }
      if (options.atriaUrl) {
        const problem = atriaUrlProblem(options.atriaUrl);
        if (problem) throw new UsageError(`--atria-url: ${problem}`);
        saved.atriaUrl = options.atriaUrl;
      }
      if (options.atriaTokenFile)
        saved.atriaToken = seal(
          loadKey(paths, options.newKey ? 'replace' : 'create-if-new'),
          readFileSync(options.atriaTokenFile, 'utf8').trim(),
          ATRIA_TOKEN_BINDING,
        );
      writeJsonAtomic(paths.configFile, saved);
      io.out(
        `Host configuration saved (Atria URL ${String(saved.atriaUrl ?? '(unset)')}; token ${saved.atriaToken ? 'stored encrypted' : 'unset'})\n`,
      );
      exit(0);
    });

  config
    .command('set-smtp')
    .description('the SMTP server the host sends notifications through, and the console address its messages link to')
    .option('--host <host>', 'the SMTP server, e.g. smtp.office365.com')
    .addOption(new Option('--port <n>', 'its port: 465 (tls), 587 (starttls) or 25').argParser(wholeNumber('--port', 1, 65535)))
    .addOption(
      new Option('--security <mode>', 'tls (implicit, 465), starttls (587) or none (a relay on this machine)').choices([
        'tls',
        'starttls',
        'none',
      ]),
    )
    .option('--user <user>', 'the sign-in name, when the server asks for one')
    .option('--password-file <file>', 'a file holding the password; it is stored encrypted')
    .option('--from <address>', 'the sender, e.g. "Billing <billing@msp.example>"')
    .option(
      '--console-url <url>',
      "the console's address as people reach it, e.g. https://billing.msp.example:8787 (messages link to runs there)",
    )
    .option('--remove', 'forget the SMTP settings (e-mail notifications stop; webhooks go on)', false)
    .action(
      (options: {
        host?: string;
        port?: number;
        security?: SmtpSecurity;
        user?: string;
        passwordFile?: string;
        from?: string;
        consoleUrl?: string;
        remove: boolean;
      }) => {
        const current = readNotifySettings(paths).smtp;
        if (options.consoleUrl) {
          const problem = atriaUrlProblem(options.consoleUrl);
          if (problem) throw new UsageError(`--console-url: ${problem}`);
        }
        const smtpGiven = [options.host, options.port, options.security, options.user, options.passwordFile, options.from].some(
          (v) => v !== undefined,
        );
        let smtp: Parameters<typeof saveNotifySettings>[1]['smtp'];
        if (smtpGiven) {
          const host = options.host ?? current?.host;
          const from = options.from ?? current?.from;
          if (!host || !from)
            throw new UsageError('give --host and --from (the first time); --port and --security default to 587 and starttls');
          smtp = {
            host,
            from,
            port: options.port ?? current?.port ?? 587,
            security: options.security ?? current?.security ?? 'starttls',
            ...((options.user ?? current?.user) ? { user: options.user ?? current?.user } : {}),
            ...(options.passwordFile ? { password: readFileSync(options.passwordFile, 'utf8').trim() } : {}),
          };
        }
        if (!smtpGiven && !options.remove && options.consoleUrl === undefined)
          throw new UsageError('nothing to set: give --host, --from, … or --console-url, or --remove');
        saveNotifySettings(paths, {
          ...(smtp ? { smtp } : {}),
          ...(options.consoleUrl ? { consoleUrl: options.consoleUrl } : {}),
          removeSmtp: options.remove,
        });
        const saved = readNotifySettings(paths);
        io.out(`${describeSmtp(saved)}\n`);
        exit(0);
      },
    );
  config
    .command('show')
    .description("the host's Atria connection as it is used (the token is never shown)")
    .action(() => {
      const saved = readJson(paths.configFile, HOST_CONFIG_SHAPE) ?? {};
      const url = process.env.HOST_ATRIA_URL ? `${process.env.HOST_ATRIA_URL} (from HOST_ATRIA_URL)` : (saved.atriaUrl ?? '(unset)');
      const token = process.env.HOST_ATRIA_TOKEN
        ? 'set (from HOST_ATRIA_TOKEN)'
        : saved.atriaToken
          ? 'stored encrypted'
          : '(unset: config set --atria-token-file FILE)';
      io.out(`Atria URL    ${url}\nAtria token  ${token}\nHost home    ${paths.home}\n${describeSmtp(readNotifySettings(paths))}\n`);
      exit(0);
    });

  program
    .command('job-types')
    .description('the task types installed extensions provide (the job-type dropdown): display name, extension and version, description')
    .action(async () => {
      for (const { taskType, extension } of await loadAllTaskTypes(paths, reportBroken))
        io.out(`${taskType.displayName}\t${extension.id} ${extension.version}\t${taskType.description}\n`);
      exit(0);
    });

  const jobs = program
    .command('jobs')
    .description('add, list, run, enable, disable, delete jobs, or re-enter their secrets')
    .addHelpCommand(false)
    .addHelpText('after', EXPLAIN_CRON);
  jobs
    .command('add')
    .description('save a new job (its parameters and secrets are checked by its task type first)')
    .requiredOption('--name <name>', "the job's name")
    .requiredOption('--type <task type>', 'the task type\'s display name or id, e.g. "ConnectWise Manage Billing"')
    .requiredOption('--cron <expression>', 'when it runs, e.g. "0 22 26 * *"')
    .requiredOption('--parameters <file>', 'the parameters JSON file')
    .requiredOption('--secrets <file>', 'the secrets JSON file (stored encrypted)')
    .addOption(
      new Option('--log-level <level>', 'Verbose, Info, Warning or Error').default('Info').argParser(oneOf('--log-level', LOG_LEVELS)),
    )
    .option('--time-zone <zone>', "the CRON's time zone, an IANA name (default the host's own)")
    .addHelpText('after', EXPLAIN_CRON)
    .action(
      async (options: {
        name: string;
        type: string;
        cron: string;
        parameters: string;
        secrets: string;
        logLevel: (typeof LOG_LEVELS)[number];
        timeZone?: string;
      }) => {
        const timeZone = options.timeZone ?? hostTimeZone();
        const [scheduleProblem] = scheduleProblems({ cron: options.cron, timeZone });
        if (scheduleProblem)
          throw new UsageError(`${scheduleProblem.field === 'timeZone' ? '--time-zone: ' : ''}${scheduleProblem.message}`);
        const parameters = readJsonFile(options.parameters, 'parameters');
        const secrets = readJsonFile(options.secrets, 'secrets');
        const loaded = await taskTypeFor(options.type);
        const problems = (loaded.taskType.validate?.(parameters, secrets) ?? []).map((e) => `${e.level} ${e.code} ${e.message}`);
        if (problems.length) {
          io.err(`The job was not saved:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
          return exit(2);
        }
        const job = createJob(
          paths,
          store,
          loaded,
          { name: options.name, logLevel: options.logLevel, cron: options.cron, timeZone, parameters },
          secrets,
        );
        io.out(`Job ${job.id} "${job.name}" saved; next run ${describe(job).next}\n`);
        exit(0);
      },
    );
  jobs
    .command('list')
    .description('every job: id, name, type, enabled, CRON, next run, last run')
    .action(() => {
      const rows = store.list().map(describe);
      io.out(
        rows
          .map(
            (r) =>
              `${r.id}  ${r.name}  [${r.type}]  ${r.enabled ? 'enabled' : 'disabled'}  cron "${r.cron}"  next ${r.next}  last ${r.last}`,
          )
          .join('\n') + (rows.length ? '\n' : 'No jobs.\n'),
      );
      exit(0);
    });
  jobs
    .command('run')
    .description('run a job now; its log streams as it is written (Ctrl-C cancels it with a complete log)')
    .argument('<id>', 'the job id')
    .option('--dry-run', 'plan only: read everything, write nothing to ConnectWise (the plan is kept: runs plan RUN_ID)', false)
    .action(async (id: string, options: { dryRun: boolean }) => {
      await recoverInterruptedRuns(paths, store, (line) => io.err(`${line}\n`));
      const job = store.get(id);
      const run = await runJob(paths, store, job, await boundTaskType(job), {
        dryRun: options.dryRun,
        trigger: 'command-line',
        signal: untilStopped(),
        onEntry: (e) => io.out(formatLog([e], 'table')),
        warn: (line) => io.err(`${line}\n`),
      });
      io.out(`${run.dryRun ? 'Dry run' : 'Run'} ${run.runId}: ${summarizeRun(run.result)}\n`);
      exit(run.status === 'Failed' || run.status === 'Cancelled' ? 2 : run.status === 'CompletedWithErrors' ? 1 : 0);
    });
  jobs
    .command('show')
    .description('one job: its schedule, next and last run, log level and parameters (secrets stay sealed)')
    .argument('<id>', 'the job id')
    .action((id: string) => {
      const job = store.get(id);
      const d = describe(job);
      const rows: [string, string][] = [
        ['Job', `${job.id} "${job.name}"`],
        ['Type', `${job.taskType} (${job.extensionId ?? '?'} / ${job.taskTypeId ?? '?'})`],
        ['Enabled', job.enabled ? 'yes' : 'no (the scheduler skips it)'],
        ['Schedule', `cron "${job.cron}" in ${job.timeZone ?? 'UTC'}`],
        ['Next run', d.next],
        ['Last run', d.last],
        ['Log level', job.logLevel],
        ['Dry run', isDryRun(job.parameters) ? 'yes: its parameters say DryRun, so its runs write nothing' : 'no'],
        ['Approval', job.requireApproval ? 'required: scheduled runs plan only and wait for runs approve' : 'not required'],
        ['Notify', describeNotify(job)],
        ['Secrets', 'stored encrypted (jobs set-secrets to replace them)'],
      ];
      io.out(rows.map(([k, v]) => `${k.padEnd(10)} ${v}`).join('\n') + `\nParameters\n${JSON.stringify(job.parameters, null, 2)}\n`);
      exit(0);
    });
  jobs
    .command('edit')
    .description("change a job's name, schedule, log level or parameters (checked by its task type first; secrets: set-secrets)")
    .argument('<id>', 'the job id')
    .option('--name <name>', "the job's name")
    .option('--cron <expression>', 'when it runs, e.g. "0 22 26 * *"')
    .option('--time-zone <zone>', "the CRON's time zone, an IANA name")
    .addOption(new Option('--log-level <level>', 'Verbose, Info, Warning or Error').argParser(oneOf('--log-level', LOG_LEVELS)))
    .option('--parameters <file>', 'the parameters JSON file, replacing the stored parameters')
    .addHelpText('after', EXPLAIN_CRON)
    .action(
      async (
        id: string,
        options: { name?: string; cron?: string; timeZone?: string; logLevel?: (typeof LOG_LEVELS)[number]; parameters?: string },
      ) => {
        const job = store.get(id);
        if (Object.values(options).every((v) => v === undefined))
          throw new UsageError('nothing to change: give --name, --cron, --time-zone, --log-level or --parameters');
        const fields = {
          name: options.name ?? job.name,
          cron: options.cron ?? job.cron,
          timeZone: options.timeZone ?? job.timeZone ?? 'UTC',
          logLevel: options.logLevel ?? job.logLevel,
          parameters: options.parameters ? readJsonFile(options.parameters, 'parameters') : job.parameters,
        };
        const [scheduleProblem] = scheduleProblems(fields);
        if (scheduleProblem)
          throw new UsageError(`--${scheduleProblem.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${scheduleProblem.message}`);
        const loaded = await boundTaskType(job);
        let secrets: Record<string, unknown>;
        try {
          secrets = storedSecrets(paths, job);
        } catch {
          throw new UsageError(`the stored secrets of job ${job.id} cannot be read: give them again with jobs set-secrets ${job.id} first`);
        }
        const problems = taskProblems(loaded, fields.parameters, secrets).map((e) => `${e.level} ${e.code} ${e.message}`);
        if (problems.length) {
          io.err(`The job was not changed:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
          return exit(2);
        }
        const saved = updateJob(paths, store, job.id, fields, secrets);
        io.out(`Job ${saved.id} "${saved.name}" saved; next run ${describe(saved).next}\n`);
        exit(0);
      },
    );
  for (const enable of [true, false])
    jobs
      .command(enable ? 'enable' : 'disable')
      .description(enable ? 'let the scheduler run the job again' : 'keep the job, but the scheduler no longer runs it')
      .argument('<id>', 'the job id')
      .action((id: string) => {
        const job = setJobEnabled(store, id, enable);
        io.out(`Job ${job.id} ${job.enabled ? 'enabled' : 'disabled'}\n`);
        exit(0);
      });
  jobs
    .command('require-approval')
    .description("approval mode: the job's scheduled runs plan only and wait for runs approve (or reject)")
    .argument('<id>', 'the job id')
    .addArgument(new Argument('<on|off>', 'on or off').choices(['on', 'off']))
    .action((id: string, setting: 'on' | 'off') => {
      const job = store.update(id, (j) => {
        if (setting === 'on') j.requireApproval = true;
        else delete j.requireApproval;
      });
      io.out(
        `Job ${job.id}: ${job.requireApproval ? 'scheduled runs now wait for approval' : 'scheduled runs write again (no approval)'}\n`,
      );
      exit(0);
    });
  jobs
    .command('notify')
    .description("who hears about the job's runs: failed, completed with errors, awaiting approval, new warnings")
    .argument('<id>', 'the job id')
    .option('--emails <list>', 'e-mail recipients, comma-separated ("" for none)')
    .option('--webhook-url-file <file>', 'a file holding a Teams or Slack incoming webhook URL; it is stored encrypted')
    .option('--no-webhook', 'remove the webhook')
    .action((id: string, options: { emails?: string; webhookUrlFile?: string; webhook: boolean }) => {
      const job = store.get(id);
      if (options.emails === undefined && options.webhookUrlFile === undefined && options.webhook)
        throw new UsageError('nothing to change: give --emails, --webhook-url-file or --no-webhook');
      const emails = options.emails === undefined ? (job.notify?.emails ?? []) : parseEmails(options.emails);
      const webhook = options.webhookUrlFile ? readFileSync(options.webhookUrlFile, 'utf8').trim() : options.webhook ? undefined : null;
      const saved = setJobNotify(paths, store, job.id, emails, webhook);
      io.out(`Job ${saved.id}: ${describeNotify(saved)}\n`);
      exit(0);
    });
  jobs
    .command('notify-test')
    .description("send a test message to the job's recipients and webhook now, and say how each went")
    .argument('<id>', 'the job id')
    .action(async (id: string) => {
      const job = store.get(id);
      if (!job.notify) throw new UsageError(`job ${job.id} notifies nobody: set recipients with jobs notify ${job.id} --emails …`);
      const outcomes = await deliver(paths, job, testNotification(job.name, readNotifySettings(paths).consoleUrl));
      for (const o of outcomes)
        io.out(`${o.channel === 'email' ? 'E-mail' : 'Webhook'} to ${o.target}: ${o.ok ? 'sent' : `not sent: ${o.error}`}\n`);
      exit(outcomes.every((o) => o.ok) ? 0 : 1);
    });
  jobs
    .command('delete')
    .description('delete a job (its runs stay); asks for confirmation unless --yes')
    .argument('<id>', 'the job id')
    .option('--yes', 'do not ask', false)
    .action(async (id: string, options: { yes: boolean }) => {
      const job = store.get(id);
      if (!options.yes) {
        const answer = (await io.confirm(`Delete job ${job.id} "${job.name}" permanently? [y/N] `)).trim().toLowerCase();
        if (answer !== 'y' && answer !== 'yes') {
          io.out('Not deleted.\n');
          return exit(0);
        }
      }
      store.delete(job.id);
      io.out(`Job ${job.id} deleted\n`);
      exit(0);
    });
  jobs
    .command('set-secrets')
    .description("replace a job's secrets (checked by its task type first)")
    .argument('<id>', 'the job id')
    .requiredOption('--secrets <file>', 'the secrets JSON file (stored encrypted)')
    .option('--new-key', 'start again with a new host key (when the old key file is lost)', false)
    .action(async (id: string, options: { secrets: string; newKey: boolean }) => {
      const job = store.get(id);
      const secrets = readJsonFile(options.secrets, 'secrets');
      const { taskType } = await boundTaskType(job);
      const problems = (taskType.validate?.(job.parameters, secrets) ?? [])
        .filter((e) => e.code === 'CW16' || e.code === 'CW18')
        .map((e) => `${e.level} ${e.code} ${e.message}`);
      if (problems.length) {
        io.err(`The secrets were not saved:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
        return exit(2);
      }
      const key = loadKey(paths, options.newKey ? 'replace' : 'create-if-new');
      store.update(job.id, (j) => (j.secrets = seal(key, JSON.stringify(secrets), jobSecretsBinding(j.id))));
      io.out(`Secrets of job ${job.id} replaced\n`);
      exit(0);
    });

  program
    .command('scheduler')
    .description('run due jobs by their CRON until Ctrl-C or SIGTERM, which cancel running jobs (they end Cancelled with a complete log)')
    .addOption(
      new Option('--tick-ms <ms>', 'how often it looks for due jobs, 10 to 60000 ms').argParser(wholeNumber('--tick-ms', 10, 60_000)),
    )
    .addOption(
      new Option('--exit-after-runs <n>', 'stop after this many runs (for tests and demos)').argParser(wholeNumber('--exit-after-runs', 1)),
    )
    .addHelpText('after', '\nRuns a killed host left Running are marked Interrupted and run once more.')
    .action(async (options: { tickMs?: number; exitAfterRuns?: number }) => {
      await runScheduler(paths, {
        tickMs: options.tickMs,
        exitAfterRuns: options.exitAfterRuns,
        log: (line) => io.out(`${new Date().toISOString()} ${line}\n`),
        signal: untilStopped(),
      });
      exit(0);
    });

  const runs = program
    .command('runs')
    .description("a job's run history, and a run's log (filter, search, sort, export)")
    .addHelpCommand(false);
  // A run's money change for a history line: "  monthly +12.00 USD" (nothing when its plan has no prices).
  const moneyOfRun = (runId: string): string => {
    const money = moneyFigures(readRunPlan(paths, runId));
    return money.priced > 0 ? `  monthly ${formatMoney(money.change, money.currency)}` : '';
  };
  runs
    .command('list')
    .description("a job's runs: id, status, start, end, changes")
    .argument('<jobId>', 'the job id')
    .action((jobId: string) => {
      const list = listRuns(paths, (line) => io.err(`${line}\n`)).filter((r) => r.jobId === jobId);
      io.out(
        list
          .map(
            (r) =>
              `${r.runId}  ${r.status}${r.dryRun ? ' (dry run: nothing written)' : ''}  period ${r.period?.endDate ?? '-'}  ${r.trigger ?? '-'}  started ${r.startedAt}  finished ${r.finishedAt ?? '-'}  changes ${r.changes ?? '-'}${moneyOfRun(r.runId)}`,
          )
          .join('\n') + (list.length ? '\n' : 'No runs.\n'),
      );
      exit(0);
    });
  runs
    .command('log')
    .description("a run's log: filter, search, sort, export")
    .argument('<runId>', 'the run id')
    .addOption(
      new Option('--level <level>', 'only entries of that level (Verbose, Info, Warning, Error)')
        .argParser(oneOf('--level', LOG_LEVELS))
        .conflicts('minLevel'),
    )
    .addOption(new Option('--min-level <level>', 'entries of that level and more severe').argParser(oneOf('--min-level', LOG_LEVELS)))
    .option('--code <CWnn>', 'only entries with this code')
    .option('--search <text>', 'in code and message, any case')
    .addOption(
      new Option('--sort <order>', 'code (fix all similar issues in one go), level (most severe first) or time').argParser(
        oneOf('--sort', ['code', 'level', 'time'] as const),
      ),
    )
    .addOption(
      new Option('--format <format>', "table (with each code's fix), csv (for Excel, with an Action column) or json")
        .default('table')
        .argParser(oneOf('--format', ['table', 'csv', 'json'] as const)),
    )
    .option('--output <file>', 'write to this file instead of the screen')
    .action(
      (
        runId: string,
        options: {
          level?: (typeof LOG_LEVELS)[number];
          minLevel?: (typeof LOG_LEVELS)[number];
          code?: string;
          search?: string;
          sort?: 'code' | 'level' | 'time';
          format: 'table' | 'csv' | 'json';
          output?: string;
        },
      ) => {
        const all = readRunLog(paths, runId, (line) => io.err(`${line}\n`));
        const entries = queryLog(all, options);
        const text = formatLog(entries, options.format);
        // Never a silent nothing: on the screen in a table, on stderr beside CSV or JSON (their output stays valid).
        if (entries.length === 0 && !options.output) {
          const none = `0 entries match (of ${all.length} in run ${runId})${all.length ? '; drop --level, --min-level, --code or --search to see more' : ''}\n`;
          if (options.format === 'table') io.out(none);
          else io.err(none);
        }
        if (options.output) {
          writeFileSync(options.output, text);
          io.out(`${entries.length} entries written to ${options.output}\n`);
        } else io.out(text);
        exit(0);
      },
    );

  runs
    .command('plan')
    .description('what a run changed or, a dry run, would change: one row per addition')
    .argument('<runId>', 'the run id')
    .addOption(
      new Option('--format <format>', 'table, csv (for Excel) or json')
        .default('table')
        .argParser(oneOf('--format', ['table', 'csv', 'json'] as const)),
    )
    .option('--output <file>', 'write to this file instead of the screen')
    .action((runId: string, options: { format: 'table' | 'csv' | 'json'; output?: string }) => {
      const record = readRunRecord(paths, runId);
      if (!record) throw new UsageError(`no run ${runId}; see runs list JOB_ID`);
      const plan = readRunPlan(paths, runId);
      const text =
        options.format === 'csv' ? planToCsv(plan) : options.format === 'json' ? planToJson(planDocumentOf(record, plan)) : planTable(plan);
      if (options.output) {
        writeFileSync(options.output, text);
        io.out(`${plan.length} changes written to ${options.output}\n`);
      } else io.out(text);
      if (plan.length === 0 && options.format !== 'table' && !options.output) io.err(`run ${runId} has no changes\n`);
      exit(0);
    });

  // Apply, revert, approve: a run of the job that writes an earlier run's plan (its log streams as it is written).
  const writeRun = async (runId: string, purpose: WritePurpose, options: { dryRun?: boolean; trigger: RunTrigger }) => {
    await recoverInterruptedRuns(paths, store, (line) => io.err(`${line}\n`));
    const source = readRunRecord(paths, runId);
    if (!source) throw new UsageError(`no run ${runId}; see runs list JOB_ID`);
    const job = store.get(source.jobId);
    const run = await runJob(paths, store, job, await boundTaskType(job), {
      dryRun: options.dryRun === true,
      trigger: options.trigger,
      write: { purpose, runId },
      signal: untilStopped(),
      onEntry: (e) => io.out(formatLog([e], 'table')),
      warn: (line) => io.err(`${line}\n`),
    });
    const what = purpose === 'apply' ? `applying the plan of run ${runId}` : `reverting run ${runId}`;
    io.out(`${run.dryRun ? 'Dry run' : 'Run'} ${run.runId} (${what}): ${summarizeRun(run.result)}\n`);
    exit(run.status === 'Failed' || run.status === 'Cancelled' ? 2 : run.status === 'CompletedWithErrors' ? 1 : 0);
  };
  runs
    .command('apply')
    .description("write a reviewed dry run's plan exactly as reviewed (a line changed since is not written: CW38)")
    .argument('<runId>', 'the dry run whose plan to apply')
    .addHelpText(
      'after',
      `
Each line's current ConnectWise value is read first. A plan for another period than the job's
current one, or older than the job's PlanMaxAgeDays (default 7), is refused (CW39); a plan is
applied once. The new run names the plan's run, and the plan's run names it.`,
    )
    .action((runId: string) => writeRun(runId, 'apply', { trigger: 'apply' }));
  runs
    .command('revert')
    .description('undo a run: each quantity it changed goes back where ConnectWise still holds its value; additions it created go to 0')
    .argument('<runId>', 'the run to undo')
    .option('--dry-run', 'show what the revert would write, write nothing', false)
    .action((runId: string, options: { dryRun: boolean }) => writeRun(runId, 'revert', { dryRun: options.dryRun, trigger: 'revert' }));
  runs
    .command('awaiting')
    .description('runs awaiting approval (approval mode): id, job, period, changes and money')
    .argument('[jobId]', 'only this job')
    .action((jobId?: string) => {
      const list = listRuns(paths, (line) => io.err(`${line}\n`)).filter(
        (r) => r.status === 'AwaitingApproval' && (jobId === undefined || r.jobId === jobId),
      );
      io.out(
        list
          .map(
            (r) =>
              `${r.runId}  ${r.jobName} (${r.jobId})  period ${r.period?.endDate ?? '-'}  changes ${r.changes ?? 0}${moneyOfRun(r.runId)}`,
          )
          .join('\n') + (list.length ? '\n' : 'No run awaits approval.\n'),
      );
      exit(0);
    });
  runs
    .command('approve')
    .description('approve a run awaiting approval: its plan is applied as in runs apply')
    .argument('<runId>', 'the run awaiting approval')
    .action((runId: string) => {
      const record = readRunRecord(paths, runId);
      if (record?.status !== 'AwaitingApproval')
        throw new UsageError(`run ${runId} is not awaiting approval${record ? ` (${record.approval?.state ?? record.status})` : ''}`);
      return writeRun(runId, 'apply', { trigger: 'approval' });
    });
  runs
    .command('reject')
    .description('reject a run awaiting approval: it is closed and nothing is written')
    .argument('<runId>', 'the run awaiting approval')
    .action(async (runId: string) => {
      const rejected = await rejectRun(paths, store, runId);
      io.out(`Run ${rejected.runId} rejected: nothing was written\n`);
      exit(0);
    });

  const portOption = () =>
    new Option('--port <n>', 'the port (default 8787; 0 picks a free one)').default(8787).argParser(wholeNumber('--port', 0, 65535));
  const listen = async (port: number) => {
    try {
      const started = await startConsole(paths, port);
      io.out(`console listening on ${started.url}\n`);
      return started;
    } catch (error) {
      if (error instanceof ConsoleSetupError) throw new UsageError(error.message);
      throw error;
    }
  };
  program
    .command('serve')
    .description('the way to run the host: the console and the scheduler in one process (web set-password first)')
    .addOption(portOption())
    .addOption(
      new Option('--tick-ms <ms>', 'how often it looks for due jobs, 10 to 60000 ms').argParser(wholeNumber('--tick-ms', 10, 60_000)),
    )
    .addHelpText(
      'after',
      `
Jobs fire on schedule and the console is open, on 127.0.0.1 only. Ctrl-C or SIGTERM stops both:
runs in progress end Cancelled with a complete log. Run it as a service (README: a systemd unit).`,
    )
    .action(async (options: { port: number; tickMs?: number }) => {
      const console = await listen(options.port);
      await runScheduler(paths, {
        tickMs: options.tickMs,
        log: (line) => io.out(`${new Date().toISOString()} ${line}\n`),
        signal: untilStopped(),
      });
      await console.close();
      exit(0);
    });

  const web = program
    .command('web')
    .description('the Jobs pages in a browser, on 127.0.0.1, without the scheduler (serve runs both; web set-password first)')
    .addOption(portOption())
    .addHelpText(
      'after',
      `
The same jobs, runs and logs as the commands above, in a browser: add and edit jobs from the job
type's own form, Run now with the log live, run history, the log table (filter, search, sort by
code, CSV) and a dry run's plan. HOST_WEB_PASSWORD gives the password instead of set-password.
Listens on 127.0.0.1 only; Ctrl-C stops it (runs it started are cancelled with a complete log).`,
    )
    .action(async (options: { port: number }) => {
      const console = await listen(options.port);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await console.close();
      exit(0);
    });
  web
    .command('set-password')
    .description("the console's sign-in password (stored as an scrypt hash)")
    .action(async () => {
      const password = await io.askSecret('New console password (at least 12 characters): ');
      try {
        await setPassword(paths, password);
      } catch (error) {
        if (error instanceof RangeError) throw new UsageError(error.message);
        throw error;
      }
      io.out('Console password saved (as an scrypt hash).\n');
      exit(0);
    });
  return program;
}

/** Runs one host command line; its exit status (64 for bad usage, 0 for help). */
export async function hostMain(argv: string[], io: HostIo): Promise<number> {
  // The vendor's form: Install-AtriaExtension -Extension ConnectWiseManage -RestartServices
  const args = argv.map((a) => (a === '-Extension' ? '--extension' : a === '-RestartServices' ? '--restart-services' : a));
  let code = 0;
  const program = hostProgram(io, (status) => (code = status));
  if (args.length === 0) {
    io.out(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Help asked for is a success; anything else commander refused is bad usage (it has said why).
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version'
      ? 0
      : EXIT_USAGE;
  }
  return code;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  // The host runs extensions in its own process: it keeps that process's heap near what is live.
  keepHeapCompact();
  // The terminal is read only when a question is asked: a readline interface open on a TTY would
  // swallow the first Ctrl-C, which must stop the scheduler at once.
  const confirm = async (question: string): Promise<string> => {
    if (process.stdin.isTTY) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    }
    process.stdout.write(question);
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').split('\n')[0] ?? '';
  };
  // A password typed at a terminal is not echoed; from a pipe it is the first line.
  const askSecret = async (question: string): Promise<string> => {
    if (!process.stdin.isTTY) return confirm(question);
    process.stdout.write(question);
    const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
    const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
    try {
      return await rl.question('');
    } finally {
      rl.close();
      process.stdout.write('\n');
    }
  };
  try {
    process.exitCode = await hostMain(process.argv.slice(2), {
      out: (s) => process.stdout.write(s),
      err: (s) => process.stderr.write(s),
      confirm,
      askSecret,
    });
  } catch (error) {
    process.stderr.write(`host: ${(error as Error).message}\n`);
    process.exitCode = error instanceof HostError ? error.exitCode : 1;
  }
}
