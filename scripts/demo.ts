/**
 * `npm start`: the whole flow with no configuration, the way an administrator meets it. Starts the
 * ConnectWise and Atria sandboxes on loopback with generated data, installs the built extension
 * into a temporary reference host, creates the job, runs it now, and prints the run log and a
 * change summary.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDataset } from './sandbox/generator.js';
import { startSandboxes } from './sandbox/sandboxes.js';
import { activeAdditionLines } from './sandbox/cwState.js';
import { hostPaths } from './host/paths.js';
import { installExtension, loadAllTaskTypes } from './host/extensions.js';
import { JobStore } from './host/jobs.js';
import { runJob } from './host/runner.js';
import { nextRun } from './host/cron.js';
import { ATRIA_TOKEN_BINDING, jobSecretsBinding, loadKey, seal } from './host/secretBox.js';
import { writeJsonAtomic } from './host/atomicFile.js';
import { formatLog } from './host/runLogs.js';
import type { BillingTaskResult } from '../src/task/billingTask.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const now = new Date();
const dataset = generateDataset({ customers: 40, skusPerCustomer: 8, seed: 7, now });
const sandboxes = await startSandboxes(dataset, { connectWise: { latencyMs: 5 } });
const home = mkdtempSync(path.join(tmpdir(), 'cwm-demo-host-'));
const step = (text: string) => console.log(`\n== ${text}`);
try {
  const paths = hostPaths(home);
  step('Install-AtriaExtension -Extension ConnectWiseManage -RestartServices');
  const installed = await installExtension(paths, repo, { restart: true });
  console.log(`Installed ${installed.id} ${installed.version} into ${home}`);

  step('Job types (the dropdown)');
  const [billing] = await loadAllTaskTypes(paths);
  if (!billing) throw new Error('the extension registered no task type');
  console.log(`${billing.taskType.displayName} — ${billing.taskType.description}`);

  step('Host connection to Atria, then the job');
  writeJsonAtomic(paths.configFile, {
    atriaUrl: sandboxes.atria.url,
    atriaToken: seal(loadKey(paths), dataset.atriaToken, ATRIA_TOKEN_BINDING),
  });
  const { companyName, publicKey, privateKey, clientId } = dataset.credentials;
  const store = new JobStore(paths);
  const job = store.create(
    {
      name: 'Transfer Billing Data to ConnectWise on 26th of the Month',
      taskType: billing.taskType.displayName,
      extensionId: billing.extension.id,
      taskTypeId: billing.taskType.id,
      logLevel: 'Info',
      cron: '0 22 26 * *',
      parameters: { apiUrl: sandboxes.connectWise.apiBase, AllowAtriaCreateAdditions: 'True', BillingPeriod: 'Previous' },
    },
    (id) =>
      seal(
        loadKey(paths),
        JSON.stringify({ CompanyName: companyName, PublicKey: publicKey, PrivateKey: privateKey, ClientId: clientId }),
        jobSecretsBinding(id),
      ),
  );
  console.log(`Job ${job.id} "${job.name}", CRON "${job.cron}", next run ${nextRun(job.cron, now).toISOString()}`);
  console.log(
    `ConnectWise sandbox ${sandboxes.connectWise.apiBase}; Atria sandbox ${sandboxes.atria.url}; ${dataset.summary.customers} customers, ${dataset.summary.lines} lines`,
  );

  step('Run Now — the run log');
  const run = await runJob(paths, store, job, billing, { onEntry: (entry) => process.stdout.write(formatLog([entry], 'table')) });
  const plan = run.result.plan;
  const applied = (action: string) => plan.filter((p) => p.action === action && p.outcome === 'applied').length;
  const counts = run.result.counts;
  const why: Record<string, string> = {
    CW04: 'no Billing Identifier',
    CW05: 'no SKU',
    CW06: 'product not in ConnectWise',
    CW14: 'no agreement of the type',
    CW22: 'addition missing, creation off',
    CW26: 'several active additions',
    CW28: 'invalid count',
  };
  step('Change summary');
  console.log(`  status              ${run.status}`);
  console.log(`  updated             ${applied('update')}`);
  console.log(`  zeroed              ${applied('zero')}`);
  console.log(`  created             ${applied('create')}`);
  console.log(`  failed writes       ${plan.filter((p) => p.outcome === 'failed').length}`);
  for (const [code, reason] of Object.entries(why))
    if (counts[code]) console.log(`  skipped, ${reason.padEnd(28)} ${counts[code]} (${code})`);
  console.log(`  ConnectWise requests ${(run.result as BillingTaskResult).requests?.requests ?? '-'}`);
  const matches =
    JSON.stringify(activeAdditionLines(sandboxes.connectWise.state, dataset.period.startDate)) === JSON.stringify(dataset.expected);
  console.log(`  end state           ${matches ? 'matches' : 'DOES NOT match'} the generator's expected ConnectWise state`);
  process.exitCode = run.status === 'Failed' || run.status === 'Cancelled' || !matches ? 1 : 0;
} finally {
  await sandboxes.close();
  rmSync(home, { recursive: true, force: true });
}
