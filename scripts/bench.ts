/**
 * `npm run bench`: request counts against the lower bound, wall time against the ideal at the
 * sandbox's latency, peak RSS and CPU, a naive baseline, a rate-limited mode, and an unchanged
 * re-run. Sandbox and client each run in their own process. Prints a table and writes
 * bench-results.json. `--quick` runs only the smallest size (for a fast look); `--rate-limited-only` and
 * `--memory-only` run one part (to see that two measurements agree) and write their own file.
 */
import { fork, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const CONCURRENCY = 6;
const NOW = '2026-11-26T22:00:00Z';
const quick = process.argv.includes('--quick');
/** Only the rate-limited mode: to check that two measurements agree. */
const rateLimitedOnly = process.argv.includes('--rate-limited-only');
/** Only the memory of the command line and the reference host at the largest size. */
const memoryOnly = process.argv.includes('--memory-only');
const SIZES = quick
  ? [{ customers: 200, skus: 15 }]
  : [
      { customers: 200, skus: 15 },
      { customers: 2000, skus: 15 },
      { customers: 10000, skus: 10 },
    ];

interface Summary {
  agreementsWithData: number;
  agreementsWithCreates: number;
  updates: number;
  zeroes: number;
  creates: number;
  billedSkus: number;
  agreementsOfType: number;
  lines: number;
}
interface Ready {
  connectWise: string;
  atria: string;
  token: string;
  credentials: Record<string, string>;
  summary: Summary;
}
interface Stats {
  byKind: Record<string, number>;
  total: number;
  writes: number;
  limited: number;
  firstRequestAt?: number;
  lastAnsweredAt?: number;
}
interface ClientReport {
  status: string;
  requests: { requests: number; retries?: number; unknownOutcomes?: number; pacePerSecond?: number };
  wallMs: number;
  cpuMs: number;
  maxRssMB: number;
  peakHeapMB: number;
  failed?: number;
}

async function startSandbox(
  args: Record<string, string | number>,
): Promise<{ ready: Ready; ask: <T>(type: string) => Promise<T>; stop: () => Promise<void> }> {
  const child = fork(
    path.join(here, 'bench', 'sandboxProcess.ts'),
    Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]),
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const next = <T>(type: string): Promise<T> =>
    new Promise((resolve) => {
      const on = (message: { type: string }) => {
        if (message.type === type) {
          child.off('message', on);
          resolve(message as T);
        }
      };
      child.on('message', on);
    });
  const ready = await next<Ready>('ready');
  return {
    ready,
    ask: <T>(type: string) => {
      const reply = next<T>(type);
      child.send({ type });
      return reply;
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'exit' });
      }),
  };
}

/** The sandbox's ConnectWise credentials as the secrets JSON a job or the CLI takes. */
function secretsJson(ready: Ready): string {
  const { companyName, publicKey, privateKey, clientId } = ready.credentials;
  return JSON.stringify({ CompanyName: companyName, PublicKey: publicKey, PrivateKey: privateKey, ClientId: clientId });
}

function runClient(ready: Ready, extra: string[] = []): ClientReport {
  const client = path.join(here, '..', '.bench-build', 'scripts', 'bench', 'clientProcess.js');
  const out = execFileSync(
    process.execPath,
    [
      client,
      '--cw',
      ready.connectWise,
      '--atria',
      ready.atria,
      '--token',
      ready.token,
      '--secrets',
      secretsJson(ready),
      '--concurrency',
      String(CONCURRENCY),
      '--now',
      NOW,
      ...extra,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as ClientReport;
}

interface ProcessPeak {
  code: number | null;
  wallMs: number;
  peakRssMB?: number;
  endStateMatches?: boolean;
}

type RunFiles = { parameters: string; secrets: string; token: string };

/** The command line's arguments naming those files and Atria's address. */
const runFileArgs = (files: RunFiles, ready: Ready): string[] => [
  '--parameters',
  files.parameters,
  '--secrets',
  files.secrets,
  '--atria-url',
  ready.atria,
  '--atria-token-file',
  files.token,
];

/** The run's parameter, secrets and token files, as an administrator would write them. */
function writeRunFiles(dir: string, ready: Ready, parameters: Record<string, unknown>): RunFiles {
  const files = {
    parameters: path.join(dir, 'parameters.json'),
    secrets: path.join(dir, 'secrets.json'),
    token: path.join(dir, 'atria-token'),
  };
  writeFileSync(
    files.parameters,
    JSON.stringify({
      apiUrl: ready.connectWise,
      AllowAtriaCreateAdditions: true,
      MaxConcurrency: CONCURRENCY,
      MaxZeroedPercent: 100,
      ...parameters,
    }),
  );
  writeFileSync(files.secrets, secretsJson(ready));
  writeFileSync(files.token, ready.token);
  return files;
}

/** Runs a process as it is run in the field and reads its peak RSS (VmHWM, the kernel's high-water mark) until it exits. */
async function peakOf(command: string, args: string[], env: Record<string, string>, stdoutFile: string): Promise<ProcessPeak> {
  const out = openSync(stdoutFile, 'w');
  const started = Date.now();
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', out, 'inherit'] });
  let peakKb: number | undefined;
  const read = (): void => {
    try {
      const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
      if (kb > 0) peakKb = Math.max(peakKb ?? 0, kb);
    } catch {
      // Gone, or no /proc on this system.
    }
  };
  const poll = setInterval(read, 20);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(poll);
  closeSync(out);
  return { code, wallMs: Date.now() - started, peakRssMB: peakKb === undefined ? undefined : peakKb / 1024 };
}

/** The connection check (GET /system/info), the agreement type, the agreements and catalog in pages of 1,000, one additions read per agreement with data, one verification read per agreement with creates, one write per change. */
const lowerBound = (s: Summary): number =>
  2 +
  Math.ceil(s.agreementsWithData / 1000) +
  Math.ceil(s.billedSkus / 1000) +
  s.agreementsWithData +
  s.agreementsWithCreates +
  s.updates +
  s.zeroes +
  s.creates;

const results: Record<string, unknown>[] = [];
const rows: string[][] = [];
const fmt = (n: number, digits = 2): string => n.toFixed(digits);

let naiveResult: { requests: number; wallMs: number; requestRatio: number; wallRatio: number } | undefined;
if (!rateLimitedOnly && !memoryOnly) {
  for (const size of SIZES) {
    const sandbox = await startSandbox({ customers: size.customers, skus: size.skus, seed: size.customers, latency: LATENCY_MS, now: NOW });
    const s = sandbox.ready.summary;
    const first = runClient(sandbox.ready);
    const stats = await sandbox.ask<Stats>('stats');
    const { matches } = await sandbox.ask<{ matches: boolean }>('verify');
    await sandbox.ask('reset');
    const second = runClient(sandbox.ready);
    const rerun = await sandbox.ask<Stats>('stats');
    await sandbox.stop();
    const bound = lowerBound(s);
    const ideal = (stats.total * LATENCY_MS) / CONCURRENCY;
    const label = `${size.customers} × ${size.skus}`;
    results.push({
      size: label,
      lines: s.lines,
      changes: s.updates + s.zeroes + s.creates,
      requests: stats.total,
      byKind: stats.byKind,
      lowerBound: bound,
      requestRatio: stats.total / bound,
      wallMs: first.wallMs,
      idealMs: ideal,
      wallRatio: first.wallMs / ideal,
      maxRssMB: first.maxRssMB,
      peakHeapMB: first.peakHeapMB,
      cpuMs: first.cpuMs,
      endStateMatches: matches,
      status: first.status,
      rerunWrites: rerun.writes,
      rerunRequests: rerun.total,
      rerunWallMs: second.wallMs,
    });
    rows.push([
      label,
      String(s.lines),
      String(s.updates + s.zeroes + s.creates),
      String(stats.total),
      String(bound),
      fmt(stats.total / bound),
      fmt(first.wallMs / 1000, 1),
      fmt(ideal / 1000, 1),
      fmt(first.wallMs / ideal),
      fmt(first.maxRssMB, 0),
      fmt(first.peakHeapMB, 0),
      fmt(first.cpuMs / 1000, 1),
      matches ? 'yes' : 'NO',
      String(rerun.writes),
    ]);
    console.error(`done: ${label}`);
  }

  // Naive baseline on the smallest size: per line, one request at a time.
  const smallest = SIZES[0]!;
  const naiveSandbox = await startSandbox({
    customers: smallest.customers,
    skus: smallest.skus,
    seed: smallest.customers,
    latency: LATENCY_MS,
    now: NOW,
  });
  const naive = runClient(naiveSandbox.ready, ['--naive']);
  const naiveStats = await naiveSandbox.ask<Stats>('stats');
  await naiveSandbox.stop();
  const ours = results[0] as { requests: number; wallMs: number };
  naiveResult = {
    requests: naiveStats.total,
    wallMs: naive.wallMs,
    requestRatio: naiveStats.total / ours.requests,
    wallRatio: naive.wallMs / ours.wallMs,
  };
  console.error('done: naive baseline');
}

// Rate-limited mode: a fixed window of LIMIT requests a second (as Cloudflare), 429 + Retry-After 1 s,
// over more than 2,000 requests, so the figure is no noise: the pace must be learned from the 429s.
const RATE_LIMITS = [10, 50];
const rateLimited: Record<string, unknown>[] = [];
for (const limit of memoryOnly ? [] : RATE_LIMITS) {
  const sandbox = await startSandbox({ customers: 1400, skus: 5, seed: 1400, latency: LATENCY_MS, now: NOW, 'rate-limit': limit });
  const run = runClient(sandbox.ready);
  const stats = await sandbox.ask<Stats>('stats');
  const exact = (await sandbox.ask<{ matches: boolean }>('verify')).matches;
  await sandbox.ask('reset');
  runClient(sandbox.ready);
  const rerun = await sandbox.ask<Stats>('stats');
  await sandbox.stop();
  const accepted = stats.total - stats.limited;
  // Sustained: over the span ConnectWise was being called (first request to last answer), not the process start-up.
  const spanMs = stats.lastAnsweredAt! - stats.firstRequestAt!;
  const throughput = accepted / (spanMs / 1000);
  rateLimited.push({
    limitPerSecond: limit,
    requests: stats.total,
    accepted,
    refused429: stats.limited,
    share429: stats.limited / stats.total,
    wallMs: run.wallMs,
    spanMs,
    throughput,
    shareOfLimit: throughput / limit,
    shareOfLimitWall: accepted / (run.wallMs / 1000) / limit,
    failedOperations: run.failed ?? 0,
    retries: run.requests.retries ?? 0,
    unknownOutcomes: run.requests.unknownOutcomes ?? 0,
    paceAtEnd: run.requests.pacePerSecond,
    endStateMatches: exact,
    rerunWrites: rerun.writes,
  });
  console.error(`done: rate-limited at ${limit}/s`);
}

// Start-up: from spawning the CLI as an administrator runs it (node dist/cli.js, no flags) to ConnectWise's first request.
let startup: Record<string, unknown> | undefined;
if (!rateLimitedOnly && !memoryOnly) {
  const sandbox = await startSandbox({ customers: 50, skus: 5, seed: 50, latency: LATENCY_MS, now: NOW });
  const files = writeRunFiles(mkdtempSync(path.join(tmpdir(), 'bench-startup-')), sandbox.ready, {});
  const samples: number[] = [];
  for (let i = 0; i < 15; i++) {
    await sandbox.ask('reset');
    const spawned = Date.now();
    execFileSync(process.execPath, ['dist/cli.js', 'check', ...runFileArgs(files, sandbox.ready)], { stdio: 'ignore' });
    const stats = await sandbox.ask<Stats>('stats');
    samples.push(stats.firstRequestAt! - spawned);
  }
  await sandbox.stop();
  samples.sort((a, b) => a - b);
  startup = { samplesMs: samples, medianMs: samples[Math.floor(samples.length / 2)] };
  console.error('done: start-up');
}

// Memory as the product runs, at the largest size: the command line (`node dist/cli.js run`, no flags) and the
// reference host (`node dist/host.js jobs run`, what `npm run host` starts), each on fresh sandbox data, peak RSS read from /proc.
let productMemory: { cli?: ProcessPeak; host?: ProcessPeak } | undefined;
if (!rateLimitedOnly && !quick) {
  const largest = SIZES[SIZES.length - 1]!;
  const sandboxArgs = { customers: largest.customers, skus: largest.skus, seed: largest.customers, latency: LATENCY_MS, now: NOW };
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-memory-'));
  productMemory = {};
  {
    const sandbox = await startSandbox(sandboxArgs);
    const files = writeRunFiles(dir, sandbox.ready, { BillingPeriod: 'Previous' });
    productMemory.cli = await peakOf(
      process.execPath,
      ['dist/cli.js', 'run', ...runFileArgs(files, sandbox.ready), '--now', NOW, '--log-file', path.join(dir, 'cli-log.jsonl')],
      {},
      path.join(dir, 'cli-stdout.txt'),
    );
    productMemory.cli.endStateMatches = (await sandbox.ask<{ matches: boolean }>('verify')).matches;
    await sandbox.stop();
    console.error('done: command line memory');
  }
  {
    const sandbox = await startSandbox(sandboxArgs);
    // The host runs on the real clock: the job names the period the sandbox's rows are for.
    const periods = (await (
      await fetch(`${sandbox.ready.atria}/api/billing/periods`, { headers: { authorization: `Bearer ${sandbox.ready.token}` } })
    ).json()) as { endDate: string; status: string }[];
    const closed = periods
      .filter((p) => p.status === 'Closed')
      .map((p) => p.endDate)
      .sort();
    const files = writeRunFiles(dir, sandbox.ready, { BillingPeriod: closed[closed.length - 1]! });
    const env = { HOST_HOME: path.join(dir, 'host-home') };
    const hostCli = (args: string[]): string =>
      execFileSync(process.execPath, ['dist/host.js', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    hostCli(['install-extension', '--path', '.']);
    hostCli(['config', 'set', '--atria-url', sandbox.ready.atria, '--atria-token-file', files.token]);
    const jobId = /Job (\w+)/.exec(
      hostCli([
        'jobs',
        'add',
        '--name',
        'Billing',
        '--type',
        'ConnectWise Manage Billing',
        '--log-level',
        'Info',
        '--cron',
        '0 0 1 1 *',
        '--parameters',
        files.parameters,
        '--secrets',
        files.secrets,
      ]),
    )![1]!;
    productMemory.host = await peakOf(process.execPath, ['dist/host.js', 'jobs', 'run', jobId], env, path.join(dir, 'host-stdout.txt'));
    productMemory.host.endStateMatches = (await sandbox.ask<{ matches: boolean }>('verify')).matches;
    await sandbox.stop();
    console.error('done: reference host memory');
  }
}

const machine = {
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  memoryGB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  latencyMs: LATENCY_MS,
  concurrency: CONCURRENCY,
};
// A quick look never replaces the full run's figures the README quotes (it did, twice, by accident).
const resultsFile = rateLimitedOnly
  ? 'bench-results.rate-limited.json'
  : memoryOnly
    ? 'bench-results.memory.json'
    : quick
      ? 'bench-results.quick.json'
      : 'bench-results.json';
writeFileSync(
  resultsFile,
  JSON.stringify(
    { date: new Date().toISOString(), machine, sizes: results, naive: naiveResult, rateLimited, startup, productMemory },
    null,
    2,
  ) + '\n',
);

const header = [
  'size',
  'lines',
  'changes',
  'requests',
  'lower bound',
  'req/bound',
  'wall s',
  'ideal s',
  'wall/ideal',
  'peak RSS MB',
  'peak heap MB',
  'CPU s',
  'end state',
  're-run writes',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padStart(widths[i]!)).join(' | ') + ' |';
console.log(
  `Machine: ${machine.cpus}, ${machine.memoryGB} GB, Node ${machine.node}; sandbox latency ${LATENCY_MS} ms/request; MaxConcurrency ${CONCURRENCY}; no heap cap\n`,
);
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const r of rows) console.log(line(r));
if (naiveResult)
  console.log(
    `\nNaive baseline (${SIZES[0]!.customers} × ${SIZES[0]!.skus}, one request at a time, per line): ${naiveResult.requests} requests, ${fmt(naiveResult.wallMs / 1000, 1)} s — ${fmt(naiveResult.requestRatio, 1)}× our requests, ${fmt(naiveResult.wallRatio, 1)}× our wall time.`,
  );
for (const r of rateLimited as {
  limitPerSecond: number;
  requests: number;
  accepted: number;
  refused429: number;
  share429: number;
  wallMs: number;
  spanMs: number;
  throughput: number;
  shareOfLimit: number;
  shareOfLimitWall: number;
  failedOperations: number;
  endStateMatches: boolean;
  rerunWrites: number;
}[]) {
  console.log(
    `Rate-limited (${r.limitPerSecond} requests/s fixed window, 429 + Retry-After 1 s): ${r.accepted} requests accepted in ${fmt(r.spanMs / 1000, 1)} s of calls = ${fmt(r.throughput)} /s sustained, ${fmt(r.shareOfLimit * 100, 1)}% of the limit (${fmt(r.shareOfLimitWall * 100, 1)}% over the process's whole ${fmt(r.wallMs / 1000, 1)} s); ${r.refused429} answered 429 (${fmt(r.share429 * 100, 2)}% of ${r.requests}); failed operations ${r.failedOperations}; end state ${r.endStateMatches ? 'exact' : 'NOT exact'}; re-run writes ${r.rerunWrites}.`,
  );
}
if (startup)
  console.log(
    `Start-up: process start to ConnectWise's first request, \`node dist/cli.js check\`: median ${startup.medianMs} ms (${(startup.samplesMs as number[]).join(', ')} ms).`,
  );
for (const [name, peak] of Object.entries(productMemory ?? {})) {
  const how = name === 'cli' ? '`node dist/cli.js run`' : 'the reference host, `jobs run`';
  console.log(
    `Memory as the product runs (${SIZES[SIZES.length - 1]!.customers} × ${SIZES[SIZES.length - 1]!.skus}), ${how}: peak RSS ${peak.peakRssMB === undefined ? 'not measured (no /proc)' : `${fmt(peak.peakRssMB, 0)} MB`}, ${fmt(peak.wallMs / 1000, 1)} s, exit ${peak.code}, end state ${peak.endStateMatches ? 'exact' : 'NOT exact'}.`,
  );
}
console.log('\nRequests by kind:');
for (const r of results as { size: string; byKind: Record<string, number> }[])
  console.log(
    `  ${r.size}: ${Object.entries(r.byKind)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
console.log(`\nWritten to ${resultsFile}`);
