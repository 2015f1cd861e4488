/**
 * `npm start`: the whole flow with no configuration. Starts the ConnectWise and Atria sandboxes
 * on loopback with generated data, loads the built extension through the host API, runs the job,
 * and prints the run log and a change summary.
 */
import { generateDataset } from './sandbox/generator.js';
import { startSandboxes } from './sandbox/sandboxes.js';
import { activeAdditionLines } from './sandbox/cwState.js';
import { runInProcess } from './inProcessHost.js';

const now = new Date();
const dataset = generateDataset({ customers: 40, skusPerCustomer: 8, seed: 7, now });
const sandboxes = await startSandboxes(dataset, { connectWise: { latencyMs: 5 } });
try {
  const { result, entries } = await runInProcess({
    parameters: { apiUrl: sandboxes.connectWise.apiBase, AllowAtriaCreateAdditions: 'True', BillingPeriod: 'Previous' },
    secrets: { CompanyName: dataset.credentials.companyName, PublicKey: dataset.credentials.publicKey, PrivateKey: dataset.credentials.privateKey, ClientId: dataset.credentials.clientId },
    atria: { baseUrl: sandboxes.atria.url, token: dataset.atriaToken },
    logLevel: 'Info',
    onEntry: (entry) => console.log(`${entry.timestamp} ${entry.level.padEnd(7)} ${entry.code} ${entry.message}`),
  });
  const count = (action: string) => result.plan.filter((p) => p.action === action && p.outcome === 'applied').length;
  const skipped = ['CW04', 'CW05', 'CW06', 'CW14', 'CW22', 'CW26', 'CW28'].filter((code) => result.counts[code]).map((code) => `${code} ×${result.counts[code]}`);
  console.log('\nChange summary');
  console.log(`  status            ${result.status}`);
  console.log(`  updated           ${count('update')}`);
  console.log(`  zeroed            ${count('zero')}`);
  console.log(`  created           ${count('create')}`);
  console.log(`  failed writes     ${result.plan.filter((p) => p.outcome === 'failed').length}`);
  console.log(`  skipped (why)     ${skipped.join(', ') || 'none'}`);
  console.log(`  log entries       ${entries.length}`);
  const matches = JSON.stringify(activeAdditionLines(sandboxes.connectWise.state)) === JSON.stringify(dataset.expected);
  console.log(`  ConnectWise state ${matches ? 'matches' : 'DOES NOT match'} the expected end state`);
  process.exitCode = result.status === 'Failed' || result.status === 'Cancelled' || !matches ? 1 : 0;
} finally {
  await sandboxes.close();
}
