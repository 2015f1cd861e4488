/**
 * The benchmark's sandbox, in its own process so its CPU and memory are not charged to the client.
 * Generates the dataset from its arguments, starts both servers, and answers the orchestrator over IPC.
 */
import { parseArgs } from 'node:util';
import { activeAdditionLines } from '../sandbox/cwState.js';
import { generateDataset } from '../sandbox/generator.js';
import { startSandboxes } from '../sandbox/sandboxes.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string' },
    skus: { type: 'string' },
    seed: { type: 'string', default: '1' },
    latency: { type: 'string', default: '20' },
    'rate-limit': { type: 'string' },
    changed: { type: 'string', default: '0.1' },
    now: { type: 'string' },
  },
});
const changed = Number(values.changed);
const dataset = generateDataset({
  customers: Number(values.customers),
  skusPerCustomer: Number(values.skus),
  seed: Number(values.seed),
  now: new Date(values.now!),
  // About 10% of lines change in all: mostly quantity updates, some removals and new services.
  shares: { changed: changed * 0.7, removed: changed * 0.15, added: changed * 0.15 },
});
const sandboxes = await startSandboxes(dataset, {
  connectWise: {
    latencyMs: Number(values.latency),
    rateLimitPerSecond: values['rate-limit'] ? Number(values['rate-limit']) : undefined,
    faults: { retryAfterSeconds: 1 },
  },
  atria: {},
});
const billedSkus = new Set(dataset.atria.rows[dataset.period.endDate]!.map((r) => r.productSku).filter(Boolean)).size;
const agreementsOfType = dataset.state.agreements.filter((a) => a.type.name === dataset.agreementType && !a.cancelledFlag).length;

process.send!({
  type: 'ready',
  connectWise: sandboxes.connectWise.apiBase,
  atria: sandboxes.atria.url,
  token: dataset.atriaToken,
  credentials: dataset.credentials,
  summary: { ...dataset.summary, billedSkus, agreementsOfType },
});

process.on('message', (message: { type: string }) => {
  const cw = sandboxes.connectWise;
  if (message.type === 'stats') {
    const { byKind, total, writes } = cw.counts();
    const limited = cw.requests.filter((r) => r.status === 429).length;
    process.send!({ type: 'stats', byKind, total, writes, limited, firstRequestAt: cw.firstRequestAt, lastAnsweredAt: cw.lastAnsweredAt });
  } else if (message.type === 'reset') {
    cw.resetRequests();
    process.send!({ type: 'reset' });
  } else if (message.type === 'verify') {
    const actual = activeAdditionLines(cw.state, dataset.period.startDate);
    process.send!({ type: 'verify', matches: JSON.stringify(actual) === JSON.stringify(dataset.expected) });
  } else if (message.type === 'exit') {
    void sandboxes.close().then(() => process.exit(0));
  }
});
