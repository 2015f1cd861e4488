import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LogEntry } from '../../src/host/api.js';
import { secretsOf, type Scenario } from './harness.js';

export const REPO = process.cwd();

export interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The host as `npm run host` runs it: the bundle `npm run build` makes, with plain node. */
export const HOST_BUNDLE = path.join(REPO, 'dist', 'host.js');

export function host(
  home: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; fileSizeLimitKiB?: number } = {},
): Promise<Done> & { child: ChildProcess } {
  // `ulimit -f`: every file the host writes stops growing there (EFBIG), as on a disk that is full.
  const [command, commandArgs] =
    options.fileSizeLimitKiB === undefined
      ? [process.execPath, [HOST_BUNDLE, ...args]]
      : ['bash', ['-c', `ulimit -f ${options.fileSizeLimitKiB} && exec "$0" "$@"`, process.execPath, HOST_BUNDLE, ...args]];
  const child = spawn(command, commandArgs, {
    cwd: REPO,
    // Tests schedule jobs every second or two, below the one-minute minimum an administrator gets.
    env: {
      PATH: process.env.PATH,
      CWM_BILLING_LOCK_DIR: process.env.CWM_BILLING_LOCK_DIR,
      HOST_HOME: home,
      HOST_MIN_CRON_INTERVAL_SECONDS: '1',
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.end(options.input ?? '');
  const done = new Promise<Done>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr }))) as Promise<Done> & {
    child: ChildProcess;
  };
  done.child = child;
  return done;
}

export const until = async (condition: () => boolean, timeoutMs = 30_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
};

export const runRecords = (home: string) =>
  readdirSync(path.join(home, 'runs'))
    .filter((f) => f.endsWith('.json'))
    .map(
      (f) =>
        JSON.parse(readFileSync(path.join(home, 'runs', f), 'utf8')) as {
          runId: string;
          status: string;
          startedAt: string;
          finishedAt?: string;
          extensionVersion: string;
        },
    );
export const runLog = (home: string, runId: string): LogEntry[] =>
  !existsSync(path.join(home, 'runs', `${runId}.jsonl`))
    ? []
    : readFileSync(path.join(home, 'runs', `${runId}.jsonl`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LogEntry);

/** `jobs add` with its options as arguments, named as camelCase keys: `{ logLevel: 'Info' }` is `--log-level Info`. */
export const jobsAdd = (options: Record<string, string>): string[] => [
  'jobs',
  'add',
  ...Object.entries(options).flatMap(([key, value]) => [`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, value]),
];

/**
 * A host under `dir/home` with the extension installed, the sandbox's Atria as its connection, and one
 * job over the sandbox's ConnectWise for the dataset's period (firing every second, for the scheduler
 * tests). Returns the home and the job's id; `run` is how each command is run (to collect outputs).
 */
export async function hostWithSandboxJob(
  dir: string,
  scenario: Scenario,
  name: string,
  run: (home: string, args: string[]) => Promise<Done> = (home, args) => host(home, args),
): Promise<{ home: string; jobId: string }> {
  const sandbox = {
    apiBase: scenario.sandboxes.connectWise.apiBase,
    atriaUrl: scenario.sandboxes.atria.url,
    atriaToken: scenario.dataset.atriaToken,
    periodEnd: scenario.dataset.period.endDate,
    secrets: secretsOf(scenario.dataset),
  };
  const home = path.join(dir, 'home');
  const params = path.join(dir, 'p.json');
  writeFileSync(params, JSON.stringify({ apiUrl: sandbox.apiBase, AllowAtriaCreateAdditions: true, BillingPeriod: sandbox.periodEnd }));
  const secrets = path.join(dir, 's.json');
  writeFileSync(secrets, JSON.stringify(sandbox.secrets));
  const token = path.join(dir, 'token');
  writeFileSync(token, sandbox.atriaToken);
  const steps = [['install-extension'], ['config', 'set', '--atria-url', sandbox.atriaUrl, '--atria-token-file', token]];
  for (const step of steps) {
    const done = await run(home, step);
    if (done.code !== 0) throw new Error(`${step.join(' ')} failed: ${done.stderr}`);
  }
  const added = await run(home, jobsAdd({ name, type: 'ConnectWise Manage Billing', cron: '* * * * * *', parameters: params, secrets }));
  const jobId = /Job (\w+)/.exec(added.stdout)?.[1];
  if (!jobId) throw new Error(`jobs add failed: ${added.stderr}`);
  return { home, jobId };
}
