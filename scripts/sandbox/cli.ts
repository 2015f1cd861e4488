/**
 * `npm run sandbox -- --port 8080 --customers 50`: both sandbox servers with generated data, on
 * loopback, for trying the CLI by hand. Prints URLs, credentials and ready-to-use files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateDataset } from './generator.js';
import { startSandboxes } from './sandboxes.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    customers: { type: 'string', default: '50' },
    skus: { type: 'string', default: '8' },
    seed: { type: 'string', default: '42' },
    latency: { type: 'string', default: '0' },
    'rate-limit': { type: 'string' },
    out: { type: 'string', default: '.sandbox' },
  },
});
const port = Number(values.port);
const dataset = generateDataset({ customers: Number(values.customers), skusPerCustomer: Number(values.skus), seed: Number(values.seed), now: new Date() });
const sandboxes = await startSandboxes(dataset, {
  connectWise: { port, latencyMs: Number(values.latency), rateLimitPerSecond: values['rate-limit'] ? Number(values['rate-limit']) : undefined },
  atria: { port: port + 1 },
});
const out = path.resolve(values.out!);
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'parameters.json'), JSON.stringify({ apiUrl: sandboxes.connectWise.apiBase, AllowAtriaCreateAdditions: true, BillingPeriod: 'Previous' }, null, 2) + '\n');
const { companyName, publicKey, privateKey, clientId } = dataset.credentials;
writeFileSync(path.join(out, 'secrets.json'), JSON.stringify({ CompanyName: companyName, PublicKey: publicKey, PrivateKey: privateKey, ClientId: clientId }, null, 2) + '\n', { mode: 0o600 });
writeFileSync(path.join(out, 'atria.json'), JSON.stringify({ periods: dataset.atria.periods, rows: dataset.atria.rows }, null, 2) + '\n');

console.log(`ConnectWise sandbox  ${sandboxes.connectWise.apiBase}`);
console.log(`  company ${companyName}, public key ${publicKey}, private key ${privateKey}, clientId ${clientId}`);
console.log(`Atria sandbox        ${sandboxes.atria.url}   token ${dataset.atriaToken}`);
console.log(`Data                 ${dataset.summary.customers} customers, ${dataset.summary.lines} lines, period ${dataset.period.startDate}..${dataset.period.endDate}`);
console.log(`Files                ${out}/parameters.json, secrets.json, atria.json`);
console.log(`\nTry:\n  node dist/cli.js run --parameters ${values.out}/parameters.json --secrets ${values.out}/secrets.json --atria-url ${sandboxes.atria.url} --atria-token ${dataset.atriaToken} --dry-run`);
console.log('\nCtrl-C stops the servers.');
const stop = async (): Promise<void> => {
  await sandboxes.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
