import { startScenario } from '../support/harness.js';

/**
 * The request plan's shape: bulk reads, one additions read per mapped agreement, one write per
 * change. A regression to per-line lookups (or to re-reading) fails here, not only in the benchmark.
 */
describe('the request plan', () => {
  it.each([
    [60, 8],
    [450, 4], // enough customers that the identifier lists would need several URLs: one scan of the type instead
  ])('%i customers × %i SKUs: requests by kind against the lower bound', async (customers, skus) => {
    const scenario = await startScenario({ customers, skusPerCustomer: skus, seed: customers });
    try {
      const { result } = await scenario.run({ logLevel: 'Info' });
      const { byKind, total } = scenario.sandboxes.connectWise.counts();
      const s = scenario.dataset.summary;
      const changes = s.updates + s.zeroes + s.creates;
      expect(byKind['GET /system/info']).toBe(1);
      expect(byKind['GET /finance/agreements/types']).toBe(1);
      expect(byKind['GET /finance/agreements']).toBe(1);
      expect(byKind['GET /finance/agreements/count'] ?? 0).toBeLessThanOrEqual(1);
      expect(byKind['GET /procurement/catalog']).toBe(1);
      // One read per agreement with data, and one after-write verification read per agreement that got a new addition.
      expect(byKind['GET /finance/agreements/{id}/additions']).toBe(s.agreementsWithData + s.agreementsWithCreates);
      expect(byKind['PATCH /finance/agreements/{id}/additions/{id}']).toBe(s.updates + s.zeroes);
      expect(byKind['POST /finance/agreements/{id}/additions']).toBe(s.creates);
      expect(byKind['GET /company/companies']).toBeUndefined();
      const lowerBound = 1 + 1 + 1 + 1 + s.agreementsWithData + s.agreementsWithCreates + changes;
      expect(total / lowerBound).toBeLessThanOrEqual(1.01);
      expect(result.requests!.requests).toBe(total);
    } finally {
      await scenario.close();
    }
  });
});
