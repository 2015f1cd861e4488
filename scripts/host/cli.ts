/**
 * The reference host: `npm run host -- <command>`. State under $HOST_HOME (default ./.host).
 *   install-extension --path <dir|.tgz> [--restart-services]      (or: -Extension ConnectWiseManage -RestartServices)
 *   config set --atria-url URL --atria-token-file F
 *   job-types
 *   jobs add --name L --type "ConnectWise Manage Billing" --log-level L --cron "<expr>" --parameters F --secrets F
 *   jobs list | run <id> | enable <id> | disable <id> | delete <id> [--yes] | set-secrets <id> --secrets F
 *   scheduler [--tick-ms N] [--exit-after-runs N]
 *   runs list <jobId>
 *   runs log <runId> [--level L] [--min-level L] [--code CWnn] [--search text] [--sort code|level|time] [--format table|csv|json] [--output F]
 */
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { LOG_LEVELS } from '../../src/host/api.js';
import { readJson, writeJsonAtomic } from './atomicFile.js';
import { describeTime, hostTimeZone } from './cron.js';
import { createJob, nextRunOf, scheduleProblems, setJobEnabled } from './jobActions.js';
import { helpFor } from './help.js';
import { installExtension, loadAllTaskTypes, taskTypeOfJob } from './extensions.js';
import { JobStore, type Job } from './jobs.js';
import { hostPaths, REPO_ROOT } from './paths.js';
import { listRuns, readRunLog, runJob } from './runner.js';
import { formatLog, queryLog } from './runLogs.js';
import { runScheduler } from './scheduler.js';
import { setPassword } from './web/password.js';
import { startConsole } from './web/start.js';
import { ConsoleSetupError, HostError, UsageError } from './errors.js';
import { ATRIA_TOKEN_BINDING, jobSecretsBinding, loadKey, seal } from './secretBox.js';
import {
  atriaUrlProblem,
  parseJsonFile,
  parseLenientJsonOrKeepText,
  summarizeRun,
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

export async function hostMain(
  argv: string[],
  io: {
    out: (s: string) => void;
    err: (s: string) => void;
    confirm: (q: string) => Promise<string>;
    askSecret: (q: string) => Promise<string>;
  },
): Promise<number> {
  // The vendor's form: Install-AtriaExtension -Extension ConnectWiseManage -RestartServices
  const args = argv.map((a) => (a === '-Extension' ? '--extension' : a === '-RestartServices' ? '--restart-services' : a));
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      path: { type: 'string' },
      extension: { type: 'string' },
      'restart-services': { type: 'boolean', default: false },
      name: { type: 'string' },
      type: { type: 'string' },
      'log-level': { type: 'string', default: 'Info' },
      cron: { type: 'string' },
      parameters: { type: 'string' },
      secrets: { type: 'string' },
      yes: { type: 'boolean', default: false },
      'tick-ms': { type: 'string' },
      'exit-after-runs': { type: 'string' },
      level: { type: 'string' },
      'min-level': { type: 'string' },
      code: { type: 'string' },
      search: { type: 'string' },
      sort: { type: 'string' },
      format: { type: 'string', default: 'table' },
      output: { type: 'string' },
      'atria-url': { type: 'string' },
      'atria-token-file': { type: 'string' },
      'new-key': { type: 'boolean', default: false },
      'time-zone': { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals[0] === 'help' || positionals.length === 0) {
    io.out(helpFor(positionals[0] === 'help' ? positionals[1] : positionals[0]));
    return positionals.length === 0 && !values.help ? 64 : 0;
  }
  const paths = hostPaths();
  const store = new JobStore(paths);
  const [command, sub, target] = positionals;

  const taskTypeFor = async (name: string) => {
    const loaded = (await loadAllTaskTypes(paths)).find((t) => t.taskType.displayName === name || t.taskType.id === name);
    if (!loaded) throw new UsageError(`no installed task type '${name}'; see job-types`);
    return loaded;
  };
  const boundTaskType = async (job: Job) => {
    const loaded = taskTypeOfJob(await loadAllTaskTypes(paths), job);
    if (!loaded)
      throw new UsageError(
        `the task type of job ${job.id} (${job.extensionId ?? ''} ${job.taskTypeId ?? job.taskType}) is not installed; see job-types`,
      );
    return loaded;
  };
  const validationProblems = async (typeName: string, parameters: unknown, secrets: unknown): Promise<string[]> => {
    const { taskType } = await taskTypeFor(typeName);
    return (taskType.validate?.(parameters, secrets) ?? []).map((e) => `${e.level} ${e.code} ${e.message}`);
  };
  const describe = (job: Job) => {
    const upcoming = nextRunOf(job);
    const next = upcoming ? describeTime(upcoming, job.timeZone) : '(disabled)';
    const last = job.lastRun ? `${job.lastRun.status} (run ${job.lastRun.runId})` : 'never run';
    return { id: job.id, name: job.name, type: job.taskType, enabled: job.enabled, cron: job.cron, next, last };
  };

  switch (command) {
    case 'install-extension': {
      if (!values.path && values.extension && values.extension !== 'ConnectWiseManage')
        throw new UsageError(`unknown extension ${values.extension}`);
      const installed = await installExtension(paths, values.path ?? REPO_ROOT, { restart: values['restart-services'] ?? false });
      io.out(
        `Installed ${installed.id} ${installed.version}${values['restart-services'] ? '; services restarted: a running scheduler loads it before its next run' : ''}\n`,
      );
      return 0;
    }
    case 'config': {
      if (sub !== 'set') throw new UsageError('config set --atria-url URL --atria-token-file F');
      const config = readJson<Record<string, unknown>>(paths.configFile) ?? {};
      if (values['atria-url']) {
        const problem = atriaUrlProblem(values['atria-url']);
        if (problem) throw new UsageError(`--atria-url: ${problem}`);
        config.atriaUrl = values['atria-url'];
      }
      if (values['atria-token-file'])
        config.atriaToken = seal(
          loadKey(paths, values['new-key'] ? 'replace' : 'create-if-new'),
          readFileSync(values['atria-token-file'], 'utf8').trim(),
          ATRIA_TOKEN_BINDING,
        );
      writeJsonAtomic(paths.configFile, config);
      io.out(
        `Host configuration saved (Atria URL ${String(config.atriaUrl ?? '(unset)')}; token ${config.atriaToken ? 'stored encrypted' : 'unset'})\n`,
      );
      return 0;
    }
    case 'job-types': {
      for (const { taskType, extension } of await loadAllTaskTypes(paths))
        io.out(`${taskType.displayName}\t${extension.id} ${extension.version}\t${taskType.description}\n`);
      return 0;
    }
    case 'jobs':
      switch (sub) {
        case 'add': {
          for (const option of ['name', 'type', 'cron', 'parameters', 'secrets'] as const)
            if (!values[option]) throw new UsageError(`jobs add needs --${option}`);
          const logLevel = enumerated('--log-level', values['log-level']!, LOG_LEVELS);
          const timeZone = values['time-zone'] ?? hostTimeZone();
          const [scheduleProblem] = scheduleProblems({ cron: values.cron!, timeZone });
          if (scheduleProblem)
            throw new UsageError(`${scheduleProblem.field === 'timeZone' ? '--time-zone: ' : ''}${scheduleProblem.message}`);
          const parameters = readJsonFile(values.parameters!, 'parameters');
          const secrets = readJsonFile(values.secrets!, 'secrets');
          const problems = await validationProblems(values.type!, parameters, secrets);
          if (problems.length) {
            io.err(`The job was not saved:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
            return 2;
          }
          const job = createJob(
            paths,
            store,
            await taskTypeFor(values.type!),
            { name: values.name!, logLevel, cron: values.cron!, timeZone, parameters },
            secrets,
          );
          io.out(`Job ${job.id} "${job.name}" saved; next run ${describe(job).next}\n`);
          return 0;
        }
        case 'list': {
          const rows = store.list().map(describe);
          io.out(
            rows
              .map(
                (r) =>
                  `${r.id}  ${r.name}  [${r.type}]  ${r.enabled ? 'enabled' : 'disabled'}  cron "${r.cron}"  next ${r.next}  last ${r.last}`,
              )
              .join('\n') + (rows.length ? '\n' : 'No jobs.\n'),
          );
          return 0;
        }
        case 'run': {
          const job = store.get(need(target, 'a job id'));
          const controller = new AbortController();
          process.once('SIGINT', () => controller.abort());
          process.once('SIGTERM', () => controller.abort());
          const run = await runJob(paths, store, job, await boundTaskType(job), {
            signal: controller.signal,
            onEntry: (e) => io.out(formatLog([e], 'table')),
          });
          io.out(`Run ${run.runId}: ${summarizeRun(run.result)}\n`);
          return run.status === 'Failed' || run.status === 'Cancelled' ? 2 : run.status === 'CompletedWithErrors' ? 1 : 0;
        }
        case 'enable':
        case 'disable': {
          const job = setJobEnabled(store, need(target, 'a job id'), sub === 'enable');
          io.out(`Job ${job.id} ${job.enabled ? 'enabled' : 'disabled'}\n`);
          return 0;
        }
        case 'delete': {
          const job = store.get(need(target, 'a job id'));
          if (!values.yes) {
            const answer = (await io.confirm(`Delete job ${job.id} "${job.name}" permanently? [y/N] `)).trim().toLowerCase();
            if (answer !== 'y' && answer !== 'yes') {
              io.out('Not deleted.\n');
              return 0;
            }
          }
          store.delete(job.id);
          io.out(`Job ${job.id} deleted\n`);
          return 0;
        }
        case 'set-secrets': {
          const job = store.get(need(target, 'a job id'));
          const secrets = readJsonFile(need(values.secrets, '--secrets'), 'secrets');
          const { taskType } = await boundTaskType(job);
          const problems = (taskType.validate?.(job.parameters, secrets) ?? [])
            .filter((e) => e.code === 'CW16' || e.code === 'CW18')
            .map((e) => `${e.level} ${e.code} ${e.message}`);
          if (problems.length) {
            io.err(`The secrets were not saved:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
            return 2;
          }
          const key = loadKey(paths, values['new-key'] ? 'replace' : 'create-if-new');
          store.update(job.id, (j) => (j.secrets = seal(key, JSON.stringify(secrets), jobSecretsBinding(j.id))));
          io.out(`Secrets of job ${job.id} replaced\n`);
          return 0;
        }
        default:
          throw new UsageError('jobs add | list | run | enable | disable | delete | set-secrets');
      }
    case 'scheduler': {
      const controller = new AbortController();
      process.once('SIGTERM', () => controller.abort());
      process.once('SIGINT', () => controller.abort());
      await runScheduler(paths, {
        tickMs: values['tick-ms'] ? Number(values['tick-ms']) : undefined,
        exitAfterRuns: values['exit-after-runs'] ? Number(values['exit-after-runs']) : undefined,
        log: (line) => io.out(`${new Date().toISOString()} ${line}\n`),
        signal: controller.signal,
      });
      return 0;
    }
    case 'runs': {
      if (sub === 'list') {
        const jobId = need(target, 'a job id');
        const runs = listRuns(paths, (line) => io.err(`${line}\n`)).filter((r) => r.jobId === jobId);
        io.out(
          runs
            .map((r) => `${r.runId}  ${r.status}  started ${r.startedAt}  finished ${r.finishedAt ?? '-'}  changes ${r.changes ?? '-'}`)
            .join('\n') + (runs.length ? '\n' : 'No runs.\n'),
        );
        return 0;
      }
      if (sub === 'log') {
        const format = enumerated('--format', values.format!, ['table', 'csv', 'json'] as const);
        const sort = values.sort === undefined ? undefined : enumerated('--sort', values.sort, ['code', 'level', 'time'] as const);
        const level = values.level === undefined ? undefined : enumerated('--level', values.level, LOG_LEVELS);
        const minLevel = values['min-level'] === undefined ? undefined : enumerated('--min-level', values['min-level'], LOG_LEVELS);
        const entries = queryLog(
          readRunLog(paths, need(target, 'a run id'), (line) => io.err(`${line}\n`)),
          { level, minLevel, code: values.code, search: values.search, sort },
        );
        const text = formatLog(entries, format);
        if (values.output) {
          writeFileSync(values.output, text);
          io.out(`${entries.length} entries written to ${values.output}\n`);
        } else io.out(text);
        return 0;
      }
      throw new UsageError('runs list <jobId> | runs log <runId> [...]');
    }
    case 'web': {
      if (sub === 'set-password') {
        const password = await io.askSecret('New console password (at least 12 characters): ');
        try {
          await setPassword(paths, password);
        } catch (error) {
          if (error instanceof RangeError) throw new UsageError(error.message);
          throw error;
        }
        io.out('Console password saved (as an scrypt hash).\n');
        return 0;
      }
      if (sub !== undefined) throw new UsageError('web [--port N] | web set-password');
      const port = values.port === undefined ? 8787 : Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port must be a port number (0 picks a free one), not '${values.port}'`);
      let web: Awaited<ReturnType<typeof startConsole>>;
      try {
        web = await startConsole(paths, port);
      } catch (error) {
        if (error instanceof ConsoleSetupError) throw new UsageError(error.message);
        throw error;
      }
      io.out(`console listening on ${web.url}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await web.close();
      return 0;
    }
    default:
      throw new UsageError(`unknown command '${command ?? ''}': install-extension, config, job-types, jobs, scheduler, runs, web`);
  }
}

/** One of an option's values (any case), or a usage error listing them all: never a silent "show everything". */
function enumerated<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  const match = allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase());
  if (!match) throw new UsageError(`${option} must be one of ${allowed.join(', ')} (got '${value}')`);
  return match;
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`${what} is required`);
  return value;
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
