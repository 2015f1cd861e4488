import { activeAdditionLines, type CwState } from '../../scripts/sandbox/cwState.js';
import { entriesWith, FAST_RETRY, startScenario } from '../support/harness.js';

/** No agreement may hold two active Billable additions for one product: that would bill twice (free lines beside one are no duplicate). */
function duplicates(state: CwState): string[] {
  const seen = new Map<string, number>();
  for (const a of state.additions.filter((x) => !x.cancelledDate && x.billCustomer === 'Billable')) {
    const key = `${a.agreementId}:${a.product.id}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}

const FAULTS = { rate429: 0.15, retryAfterSeconds: 0, rate500: 0.05, dropPostResponse: 0.3, truncateJson: 0.02 };

describe('fault injection: 15% 429, 5% 500, 30% dropped POST responses, 2% truncated JSON', () => {
  it.each([101, 202, 303, 404])(
    'seed %i: no duplicate addition; each POST that failed is CW35 and a re-run reaches the fault-free expected state',
    async (seed) => {
      const scenario = await startScenario(
        { customers: 120, skusPerCustomer: 6, seed, shares: { added: 0.12 } },
        { connectWise: { seed, faults: FAULTS } },
      );
      try {
        const { result, entries } = await scenario.run({ logLevel: 'Info', tuning: { ...FAST_RETRY, settleMs: 50 } });
        const cw = scenario.sandboxes.connectWise;
        const faults = cw.requests.filter((r) => r.fault);
        expect(faults.filter((r) => r.fault === 'dropped').length).toBeGreaterThan(3);
        expect(faults.filter((r) => r.fault === '429').length).toBeGreaterThan(20);
        expect(duplicates(cw.state)).toEqual([]);
        // A POST answered 500 is never sent again (it could have committed): each is CW35, and nothing else failed.
        const failedPosts = faults.filter((r) => r.method === 'POST' && r.fault === '500').length;
        expect(result.requests!.gaveUp).toBe(0);
        expect(entries.filter((e) => e.level === 'Error').map((e) => e.code)).toEqual(Array(failedPosts).fill('CW35'));
        // A dropped POST was applied: the end-of-run check finds it and reports it created.
        expect(entriesWith(entries, 'CW08').filter((e) => e.message.includes('answer was lost')).length).toBe(
          faults.filter((r) => r.fault === 'dropped').length,
        );
        expect(result.status).toBe(failedPosts > 0 ? 'CompletedWithErrors' : 'CompletedWithWarnings');
        // Each other fault is one retry.
        const retried = faults.filter((r) => r.fault !== 'dropped' && !(r.method === 'POST' && r.fault === '500')).length;
        expect(result.requests!.retries).toBe(retried);
        // The re-run the CW35 entries ask for creates what is missing, once.
        cw.faults = {};
        await scenario.run({ logLevel: 'Info' });
        expect(duplicates(cw.state)).toEqual([]);
        expect(activeAdditionLines(cw.state, scenario.dataset.period.startDate)).toEqual(scenario.dataset.expected);
      } finally {
        await scenario.close();
      }
    },
  );
});

describe('requests that give up', () => {
  it.each([7, 8, 9])('seed %i, 55%% 500s: each request that gave up is one Error entry naming what failed', async (seed) => {
    const scenario = await startScenario({ customers: 40, skusPerCustomer: 3, seed }, { connectWise: { seed, faults: { rate500: 0.55 } } });
    try {
      const { result, entries } = await scenario.run({ logLevel: 'Info', tuning: { ...FAST_RETRY, settleMs: 50 } });
      const errors = entries.filter((e) => e.level === 'Error');
      expect(result.requests!.gaveUp).toBeGreaterThan(0);
      // A request that gave up, or a POST answered 500 (never retried) that the end-of-run check did not find.
      expect(errors.length).toBe(result.requests!.gaveUp + entriesWith(entries, 'CW35').length);
      expect(entriesWith(entries, 'CW35').length).toBeLessThanOrEqual(result.requests!.unknownOutcomes);
      for (const e of errors) expect(e.message).toMatch(/HTTP 500/);
      expect(duplicates(scenario.sandboxes.connectWise.state)).toEqual([]);
    } finally {
      await scenario.close();
    }
  });
});

describe('rate limit', () => {
  it('5 requests a second: the run completes correctly with no failed operation', async () => {
    const scenario = await startScenario(
      { customers: 12, skusPerCustomer: 4, seed: 12 },
      { connectWise: { rateLimitPerSecond: 5, faults: { retryAfterSeconds: 1 } } },
    );
    try {
      const { result, entries } = await scenario.run();
      expect(scenario.sandboxes.connectWise.requests.some((r) => r.fault === 'rate-limit')).toBe(true);
      expect(entries.filter((e) => e.level === 'Error')).toEqual([]);
      expect(result.requests!.gaveUp).toBe(0);
      expect(activeAdditionLines(scenario.sandboxes.connectWise.state, scenario.dataset.period.startDate)).toEqual(
        scenario.dataset.expected,
      );
    } finally {
      await scenario.close();
    }
  }, 90_000);
});

describe('a dead ConnectWise', () => {
  it.each([
    ['connection refused', { apiUrl: 'http://127.0.0.1:1' }, {}],
    ['503 forever', {}, { alwaysStatus: 503 }],
  ])('%s: CW02, Failed, zero writes, in bounded time', async (_name, parameters, faults) => {
    const scenario = await startScenario({ customers: 5, skusPerCustomer: 2 }, { connectWise: { faults } });
    try {
      const started = Date.now();
      const { result, entries } = await scenario.run({ parameters });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(entries.map((e) => e.code)).toEqual(['CW02', 'CW23']);
      expect(result.status).toBe('Failed');
      expect(scenario.sandboxes.connectWise.counts().writes).toBe(0);
      expect(result.requests!.retries).toBe(5);
    } finally {
      await scenario.close();
    }
  });
});

describe('cancellation through the host signal', () => {
  it('no request starts after the signal; CW23 Cancelled is last; applied writes are reported', async () => {
    const scenario = await startScenario({ customers: 150, skusPerCustomer: 5, seed: 77 }, { connectWise: { latencyMs: 15 } });
    try {
      const controller = new AbortController();
      const cw = scenario.sandboxes.connectWise;
      let atAbort = 0;
      const timer = setInterval(() => {
        if (cw.requests.some((r) => r.method === 'PATCH') && !controller.signal.aborted) {
          atAbort = cw.requests.length;
          controller.abort();
        }
      }, 2);
      const { result, entries } = await scenario.run({ signal: controller.signal, parameters: { MaxConcurrency: 4 } });
      clearInterval(timer);
      expect(result.status).toBe('Cancelled');
      expect(entries[entries.length - 1]).toMatchObject({ code: 'CW23', message: 'Billing Process Completed with status Cancelled' });
      expect(entriesWith(entries, 'CW23')).toHaveLength(1);
      expect(cw.requests.length).toBeLessThanOrEqual(atAbort + 4);
      const applied = result.plan.filter((p) => p.outcome === 'applied').length;
      expect(applied).toBeGreaterThan(0);
      expect(applied).toBeLessThan(result.plan.length);
      expect(entriesWith(entries, 'CW07').length + entriesWith(entries, 'CW20').length + entriesWith(entries, 'CW08').length).toBe(applied);
    } finally {
      await scenario.close();
    }
  });
});
