/**
 * `npm run sandbox -- --port 8080 --customers 50`: both sandbox servers with generated data, on
 * loopback, for trying the CLI by hand. Prints URLs, credentials and ready-to-use files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateDataset } from './generator.js';
import { startSandboxes } from './sandboxes.js';

const HELP = `npm run sandbox -- [options]: the ConnectWise and Atria sandbox servers on loopback, with generated data

Options:
  --port N          ConnectWise on N, Atria on N + 1 (default 8080)
  --customers N     customers to generate (default 50)
  --skus N          SKUs per customer (default 8)
  --seed N          random seed: the same seed gives the same data (default 42)
  --latency MS      added to every ConnectWise request (default 0)
  --rate-limit N    ConnectWise requests per second; above it 429 with Retry-After
  --out DIR         where to write parameters.json, secrets.json, atria-token and atria.json (default .sandbox)
  --help            this text
`;

function options(): { port: number; customers: number; skus: number; seed: number; latency: number; rateLimit?: number; out: string } {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '8080' },
        customers: { type: 'string', default: '50' },
        skus: { type: 'string', default: '8' },
        seed: { type: 'string', default: '42' },
        latency: { type: 'string', default: '0' },
        'rate-limit': { type: 'string' },
        out: { type: 'string', default: '.sandbox' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`sandbox: ${(error as Error).message}\n\n${HELP}`);
    process.exit(64);
  }
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const number = (name: string, text: string | undefined, min: number): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) {
      process.stderr.write(`sandbox: --${name} must be a whole number from ${min} (got '${text}')\n`);
      process.exit(64);
    }
    return value;
  };
  return {
    port: number('port', values.port, 0),
    customers: number('customers', values.customers, 1),
    skus: number('skus', values.skus, 1),
    seed: number('seed', values.seed, 0),
    latency: number('latency', values.latency, 0),
    rateLimit: values['rate-limit'] === undefined ? undefined : number('rate-limit', values['rate-limit'], 1),
    out: values.out!,
  };
}

const values = options();
const port = values.port;
const dataset = generateDataset({ customers: values.customers, skusPerCustomer: values.skus, seed: values.seed, now: new Date() });
const sandboxes = await startSandboxes(dataset, {
  connectWise: { port, latencyMs: values.latency, rateLimitPerSecond: values.rateLimit },
  atria: { port: port + 1 },
});
const out = path.resolve(values.out);
mkdirSync(out, { recursive: true });
writeFileSync(
  path.join(out, 'parameters.json'),
  JSON.stringify({ apiUrl: sandboxes.connectWise.apiBase, AllowAtriaCreateAdditions: true, BillingPeriod: 'Previous' }, null, 2) + '\n',
);
const { companyName, publicKey, privateKey, clientId } = dataset.credentials;
writeFileSync(
  path.join(out, 'secrets.json'),
  JSON.stringify({ CompanyName: companyName, PublicKey: publicKey, PrivateKey: privateKey, ClientId: clientId }, null, 2) + '\n',
  { mode: 0o600 },
);
writeFileSync(path.join(out, 'atria-token'), `${dataset.atriaToken}\n`, { mode: 0o600 });
writeFileSync(path.join(out, 'atria.json'), JSON.stringify({ periods: dataset.atria.periods, rows: dataset.atria.rows }, null, 2) + '\n');

console.log(`ConnectWise sandbox  ${sandboxes.connectWise.apiBase}`);
console.log(`  company ${companyName}, public key ${publicKey}, private key ${privateKey}, clientId ${clientId}`);
console.log(`Atria sandbox        ${sandboxes.atria.url}   token ${dataset.atriaToken}`);
console.log(
  `Data                 ${dataset.summary.customers} customers, ${dataset.summary.lines} lines, period ${dataset.period.startDate}..${dataset.period.endDate}`,
);
console.log(`Files                ${out}/parameters.json, secrets.json, atria-token, atria.json`);
console.log(
  `\nTry:\n  node dist/cli.js run --parameters ${values.out}/parameters.json --secrets ${values.out}/secrets.json --atria-url ${sandboxes.atria.url} --atria-token-file ${values.out}/atria-token --dry-run`,
);
console.log('\nCtrl-C stops the servers.');
const stop = async (): Promise<void> => {
  await sandboxes.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
