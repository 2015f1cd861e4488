/**
 * One measured run in its own process: the built extension through host API v1 (or the naive
 * baseline), so peak RSS and CPU time are this run's alone. Compiled with tsconfig.bench.json and
 * run with plain node (no TypeScript loader in the measured process). Prints one JSON line.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { loadTaskTypesFrom, type Manifest } from '../host/extensions.js';
import type { BillingTaskResult } from '../../src/task/billingTask.js';
import { runNaiveBaseline } from './naiveBaseline.js';
import { keepHeapCompact } from '../../src/util/compactHeap.js';

// This process stands in for a host running the extension: as the reference host does, it keeps its heap near what is live.
keepHeapCompact();

const { values } = parseArgs({
  options: {
    cw: { type: 'string' },
    atria: { type: 'string' },
    token: { type: 'string' },
    secrets: { type: 'string' },
    concurrency: { type: 'string', default: '6' },
    now: { type: 'string' },
    naive: { type: 'boolean', default: false },
  },
});
const secrets = JSON.parse(values.secrets!) as Record<string, string>;
// Module loading is not the run: the task type is loaded before the clocks start.
const manifest = JSON.parse(readFileSync('extension.manifest.json', 'utf8')) as Manifest;
const [task] = values.naive ? [] : await loadTaskTypesFrom(process.cwd(), manifest);
// Peak heap in use, sampled: what the run holds, as against what V8 has reserved.
let peakHeap = 0;
const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 50);
const cpuBefore = process.cpuUsage();
const started = performance.now();
let report: Record<string, unknown>;
if (values.naive) {
  report = await runNaiveBaseline({ apiBase: values.cw!, atria: values.atria!, token: values.token!, secrets, now: new Date(values.now!) });
} else {
  const counts: Record<string, number> = {};
  const result = (await task!.run({
    jobId: 'bench',
    runId: 'bench',
    jobName: 'bench',
    parameters: {
      apiUrl: values.cw,
      AllowAtriaCreateAdditions: true,
      BillingPeriod: 'Previous',
      MaxConcurrency: Number(values.concurrency),
      MaxZeroedPercent: 100,
    },
    secrets,
    logLevel: 'Info',
    log: (entry) => {
      counts[entry.code] = (counts[entry.code] ?? 0) + 1;
    },
    signal: new AbortController().signal,
    atria: { baseUrl: values.atria!, token: values.token! },
    now: () => new Date(values.now!),
  })) as BillingTaskResult;
  report = {
    status: result.status,
    requests: result.requests,
    changes: result.plan.length,
    failed: result.plan.filter((p) => p.outcome === 'failed').length,
  };
}
const cpu = process.cpuUsage(cpuBefore);
clearInterval(sampler);
process.stdout.write(
  JSON.stringify({
    ...report,
    wallMs: performance.now() - started,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    peakHeapMB: peakHeap / 2 ** 20,
  }) + '\n',
);
