/**
 * `npm run bench`: request counts against the lower bound, wall time against the ideal at the
 * sandbox's latency, peak RSS and CPU, a naive baseline, a rate-limited mode, and an unchanged
 * re-run. Sandbox and client each run in their own process. Prints a table and writes
 * bench-results.json. `--quick` runs only the smallest size (for a fast look).
 */
import { fork, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const CONCURRENCY = 6;
/** The client's heap cap, as a host would set for an extension process: the run must fit in it. */
const HEAP_CAP_MB = 128;
const NOW = '2026-11-26T22:00:00Z';
const quick = process.argv.includes('--quick');
/** Only the rate-limited mode: to check that two measurements agree. */
const rateLimitedOnly = process.argv.includes('--rate-limited-only');
const SIZES = quick ? [{ customers: 200, skus: 15 }] : [{ customers: 200, skus: 15 }, { customers: 2000, skus: 15 }, { customers: 10000, skus: 10 }];

interface Summary { agreementsWithData: number; agreementsWithCreates: number; updates: number; zeroes: number; creates: number; billedSkus: number; agreementsOfType: number; lines: number }
interface Ready { connectWise: string; atria: string; token: string; credentials: Record<string, string>; summary: Summary }
interface Stats { byKind: Record<string, number>; total: number; writes: number; limited: number; firstRequestAt?: number; lastAnsweredAt?: number }
interface ClientReport { status: string; requests: { requests: number; retries?: number; unknownOutcomes?: number; pacePerSecond?: number }; wallMs: number; cpuMs: number; maxRssMB: number; peakHeapMB: number; peakHeapTotalMB?: number; peakExternalMB?: number; failed?: number }

async function startSandbox(args: Record<string, string | number>): Promise<{ ready: Ready; ask: <T>(type: string) => Promise<T>; stop: () => Promise<void> }> {
  const child = fork(path.join(here, 'bench', 'sandboxProcess.ts'), Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>(type: string): Promise<T> => new Promise((resolve) => {
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
    ask: <T>(type: string) => { const reply = next<T>(type); child.send({ type }); return reply; },
    stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.send({ type: 'exit' }); }),
  };
}

function runClient(ready: Ready, extra: string[] = [], heapCap: number | undefined = HEAP_CAP_MB): ClientReport {
  const { companyName, publicKey, privateKey, clientId } = ready.credentials;
  const secrets = JSON.stringify({ CompanyName: companyName, PublicKey: publicKey, PrivateKey: privateKey, ClientId: clientId });
  const client = path.join(here, '..', '.bench-build', 'scripts', 'bench', 'clientProcess.js');
  const out = execFileSync(process.execPath, [...(heapCap ? [`--max-old-space-size=${heapCap}`] : []), client, '--cw', ready.connectWise, '--atria', ready.atria, '--token', ready.token, '--secrets', secrets, '--concurrency', String(CONCURRENCY), '--now', NOW, ...extra], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out.trim().split('\n').pop()!) as ClientReport;
}

const lowerBound = (s: Summary): number =>
  1 + Math.ceil(s.agreementsWithData / 1000) + Math.ceil(s.billedSkus / 1000) + s.agreementsWithData + s.agreementsWithCreates + s.updates + s.zeroes + s.creates;

const results: Record<string, unknown>[] = [];
const rows: string[][] = [];
const fmt = (n: number, digits = 2): string => n.toFixed(digits);

let naiveResult: { requests: number; wallMs: number; requestRatio: number; wallRatio: number } | undefined;
if (!rateLimitedOnly) {
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
  results.push({ size: label, lines: s.lines, changes: s.updates + s.zeroes + s.creates, requests: stats.total, byKind: stats.byKind, lowerBound: bound, requestRatio: stats.total / bound, wallMs: first.wallMs, idealMs: ideal, wallRatio: first.wallMs / ideal, maxRssMB: first.maxRssMB, peakHeapMB: first.peakHeapMB, cpuMs: first.cpuMs, endStateMatches: matches, status: first.status, rerunWrites: rerun.writes, rerunRequests: rerun.total, rerunWallMs: second.wallMs });
  rows.push([label, String(s.lines), String(s.updates + s.zeroes + s.creates), String(stats.total), String(bound), fmt(stats.total / bound), fmt(first.wallMs / 1000, 1), fmt(ideal / 1000, 1), fmt(first.wallMs / ideal), fmt(first.maxRssMB, 0), fmt(first.peakHeapMB, 0), fmt(first.cpuMs / 1000, 1), matches ? 'yes' : 'NO', String(rerun.writes)]);
  console.error(`done: ${label}`);
}

// Naive baseline on the smallest size: per line, one request at a time.
const smallest = SIZES[0]!;
const naiveSandbox = await startSandbox({ customers: smallest.customers, skus: smallest.skus, seed: smallest.customers, latency: LATENCY_MS, now: NOW });
const naive = runClient(naiveSandbox.ready, ['--naive']);
const naiveStats = await naiveSandbox.ask<Stats>('stats');
await naiveSandbox.stop();
const ours = results[0] as { requests: number; wallMs: number };
naiveResult = { requests: naiveStats.total, wallMs: naive.wallMs, requestRatio: naiveStats.total / ours.requests, wallRatio: naive.wallMs / ours.wallMs };
console.error('done: naive baseline');

}

// Rate-limited mode: a fixed window of LIMIT requests a second (as Cloudflare), 429 + Retry-After 1 s,
// over more than 2,000 requests, so the figure is no noise: the pace must be learned from the 429s.
const RATE_LIMITS = [10, 50];
const rateLimited: Record<string, unknown>[] = [];
for (const limit of RATE_LIMITS) {
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
  rateLimited.push({ limitPerSecond: limit, requests: stats.total, accepted, refused429: stats.limited, share429: stats.limited / stats.total, wallMs: run.wallMs, spanMs, throughput, shareOfLimit: throughput / limit, shareOfLimitWall: accepted / (run.wallMs / 1000) / limit, failedOperations: run.failed ?? 0, retries: run.requests.retries ?? 0, unknownOutcomes: run.requests.unknownOutcomes ?? 0, paceAtEnd: run.requests.pacePerSecond, endStateMatches: exact, rerunWrites: rerun.writes });
  console.error(`done: rate-limited at ${limit}/s`);
}

// Start-up: from spawning the CLI as an administrator runs it (node dist/cli.js, no flags) to ConnectWise's first request.
let startup: Record<string, unknown> | undefined;
if (!rateLimitedOnly) {
  const sandbox = await startSandbox({ customers: 50, skus: 5, seed: 50, latency: LATENCY_MS, now: NOW });
  const { companyName, publicKey, privateKey, clientId } = sandbox.ready.credentials;
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-startup-'));
  writeFileSync(path.join(dir, 'p.json'), JSON.stringify({ apiUrl: sandbox.ready.connectWise }));
  writeFileSync(path.join(dir, 's.json'), JSON.stringify({ CompanyName: companyName, PublicKey: publicKey, PrivateKey: privateKey, ClientId: clientId }));
  writeFileSync(path.join(dir, 't'), sandbox.ready.token);
  const samples: number[] = [];
  for (let i = 0; i < 7; i++) {
    await sandbox.ask('reset');
    const spawned = Date.now();
    execFileSync(process.execPath, ['dist/cli.js', 'check', '--parameters', path.join(dir, 'p.json'), '--secrets', path.join(dir, 's.json'), '--atria-url', sandbox.ready.atria, '--atria-token-file', path.join(dir, 't')], { stdio: 'ignore' });
    const stats = await sandbox.ask<Stats>('stats');
    samples.push(stats.firstRequestAt! - spawned);
  }
  await sandbox.stop();
  samples.sort((a, b) => a - b);
  startup = { samplesMs: samples, medianMs: samples[Math.floor(samples.length / 2)] };
  console.error('done: start-up');
}

// Memory as the product runs: the largest size again, without the benchmark's heap cap.
let uncapped: ClientReport | undefined;
if (!rateLimitedOnly && !quick) {
  const largest = SIZES[SIZES.length - 1]!;
  const sandbox = await startSandbox({ customers: largest.customers, skus: largest.skus, seed: largest.customers, latency: LATENCY_MS, now: NOW });
  uncapped = runClient(sandbox.ready, [], undefined);
  await sandbox.stop();
  console.error('done: uncapped memory');
}

const machine = { cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version, latencyMs: LATENCY_MS, concurrency: CONCURRENCY, clientHeapCapMB: HEAP_CAP_MB };
const resultsFile = rateLimitedOnly ? 'bench-results.rate-limited.json' : 'bench-results.json';
writeFileSync(resultsFile, JSON.stringify({ date: new Date().toISOString(), machine, sizes: results, naive: naiveResult, rateLimited, startup, uncappedLargest: uncapped && { maxRssMB: uncapped.maxRssMB, peakHeapMB: uncapped.peakHeapMB, peakHeapTotalMB: uncapped.peakHeapTotalMB, peakExternalMB: uncapped.peakExternalMB, wallMs: uncapped.wallMs } }, null, 2) + '\n');

const header = ['size', 'lines', 'changes', 'requests', 'lower bound', 'req/bound', 'wall s', 'ideal s', 'wall/ideal', 'peak RSS MB', 'peak heap MB', 'CPU s', 'end state', 're-run writes'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padStart(widths[i]!)).join(' | ') + ' |';
console.log(`Machine: ${machine.cpus}, ${machine.memoryGB} GB, Node ${machine.node}; sandbox latency ${LATENCY_MS} ms/request; MaxConcurrency ${CONCURRENCY}; client heap cap ${HEAP_CAP_MB} MB\n`);
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const r of rows) console.log(line(r));
if (naiveResult) console.log(`\nNaive baseline (${SIZES[0]!.customers} × ${SIZES[0]!.skus}, one request at a time, per line): ${naiveResult.requests} requests, ${fmt(naiveResult.wallMs / 1000, 1)} s — ${fmt(naiveResult.requestRatio, 1)}× our requests, ${fmt(naiveResult.wallRatio, 1)}× our wall time.`);
for (const r of rateLimited as { limitPerSecond: number; requests: number; accepted: number; refused429: number; share429: number; wallMs: number; spanMs: number; throughput: number; shareOfLimit: number; shareOfLimitWall: number; failedOperations: number; endStateMatches: boolean; rerunWrites: number }[]) {
  console.log(`Rate-limited (${r.limitPerSecond} requests/s fixed window, 429 + Retry-After 1 s): ${r.accepted} requests accepted in ${fmt(r.spanMs / 1000, 1)} s of calls = ${fmt(r.throughput)} /s sustained, ${fmt(r.shareOfLimit * 100, 1)}% of the limit (${fmt(r.shareOfLimitWall * 100, 1)}% over the process's whole ${fmt(r.wallMs / 1000, 1)} s); ${r.refused429} answered 429 (${fmt(r.share429 * 100, 2)}% of ${r.requests}); failed operations ${r.failedOperations}; end state ${r.endStateMatches ? 'exact' : 'NOT exact'}; re-run writes ${r.rerunWrites}.`);
}
if (startup) console.log(`Start-up: process start to ConnectWise's first request, \`node dist/cli.js check\`: median ${startup.medianMs} ms (${(startup.samplesMs as number[]).join(', ')} ms).`);
if (uncapped) console.log(`Memory without the heap cap (${SIZES[SIZES.length - 1]!.customers} × ${SIZES[SIZES.length - 1]!.skus}): peak RSS ${fmt(uncapped.maxRssMB, 0)} MB, peak heap ${fmt(uncapped.peakHeapMB, 0)} MB.`);
console.log('\nRequests by kind:');
for (const r of results as { size: string; byKind: Record<string, number> }[]) console.log(`  ${r.size}: ${Object.entries(r.byKind).map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log('\nWritten to bench-results.json');
