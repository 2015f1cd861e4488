import { startSandboxes, type Sandboxes } from '../../scripts/sandbox/sandboxes.js';
import { entriesWith, FAST_RETRY, only, runTask } from '../support/harness.js';
import { runWorld, World } from '../support/world.js';

/** Money safety against real ConnectWise semantics (spec 6.2, 6.4, 6.6, 6.8), over HTTP against the sandbox. */

describe('future cancellations (spec 6.4)', () => {
  it('an addition cancelled after the effective date still bills: reconciled, never duplicated, CW29 while Atria bills it', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const ending = w.addition(agreement, 'A1', 3, { cancelledDate: '2027-03-31T00:00:00Z' });
    w.row('AC', 'ACME', 'A1', 5, 3);
    const { result, entries, sandboxes } = await runWorld(w);
    expect(sandboxes.connectWise.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(w.activeOn(agreement).map((a) => a.id)).toEqual([ending]);
    expect(w.quantityOf(ending)).toBe(5);
    expect(only(entries, 'CW29')).toMatchObject({
      level: 'Warning',
      customer: 'AC',
      sku: 'A1',
      message: `AC Addition ${ending} with Product ID A1 on agreement ${agreement} ends on its cancelled date 2027-03-31 while Atria still bills 5 for line A1 licences`,
    });
    expect(only(entries, 'CW07').data).toMatchObject({ additionId: ending, before: 3, after: 5 });
    expect(result.status).toBe('CompletedWithWarnings');
  });

  it('a removal zeroes a future-cancelled addition without CW29', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const ending = w.addition(agreement, 'A1', 3, { cancelledDate: '2027-01-31T00:00:00Z' });
    w.row('AC', 'ACME', 'A1', 0, 3);
    const { entries } = await runWorld(w);
    expect(w.quantityOf(ending)).toBe(0);
    expect(entriesWith(entries, 'CW29')).toHaveLength(0);
  });

  it('an addition cancelled on the effective date is cancelled: a new one is created beside it', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const old = w.addition(agreement, 'A1', 3, { cancelledDate: `${w.period!.startDate}T00:00:00Z` });
    w.row('AC', 'ACME', 'A1', 4, 3);
    const { entries } = await runWorld(w);
    expect(w.quantityOf(old)).toBe(3);
    expect(w.activeOn(agreement).map((a) => [a.product.identifier, a.quantity])).toEqual([['A1', 4]]);
    only(entries, 'CW08');
    expect(entriesWith(entries, 'CW31')).toHaveLength(0);
  });

  it('a POST answered 500 is not retried, and the end-of-run check does not take a cancelled addition for it: CW35', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    w.addition(agreement, 'A1', 3, { cancelledDate: `${w.period!.startDate}T00:00:00Z` });
    w.row('AC', 'ACME', 'A1', 4, 3);
    const { result, entries, sandboxes } = await runWorld(
      w,
      {},
      { connectWise: { faults: { failRequests: [{ method: 'POST', path: /\/additions$/, status: 500, times: 1 }] } } },
    );
    expect(sandboxes.connectWise.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([500]);
    expect(w.activeOn(agreement)).toHaveLength(0);
    expect(only(entries, 'CW35')).toMatchObject({
      level: 'Error',
      customer: 'AC',
      sku: 'A1',
      message: expect.stringContaining('not created as far as ConnectWise shows: re-run to create it'),
    });
    expect(entriesWith(entries, 'CW08')).toHaveLength(0);
    expect(result.status).toBe('CompletedWithErrors');
    expect(result.plan).toMatchObject([{ action: 'create', outcome: 'failed' }]);
  });

  it('with RunDate the rule follows the run date: cancelled before it → a new addition; after it → live', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const beforeRun = w.addition(agreement, 'A1', 2, { cancelledDate: '2026-11-10T00:00:00Z' });
    const afterRun = w.addition(agreement, 'B2', 2, { cancelledDate: '2026-12-31T00:00:00Z' });
    w.row('AC', 'ACME', 'A1', 2, 2).row('AC', 'ACME', 'B2', 2, 2);
    const { entries } = await runWorld(w, { parameters: { NewAdditionEffectiveDate: 'RunDate' } });
    expect(entriesWith(entries, 'CW08').map((e) => e.sku)).toEqual(['A1']);
    expect(entriesWith(entries, 'CW29').map((e) => e.sku)).toEqual(['B2']);
    expect(w.quantityOf(beforeRun)).toBe(2);
    expect(w.quantityOf(afterRun)).toBe(2);
  });
});

describe("the effective date of a new addition never precedes the agreement's bill start (spec 6.4)", () => {
  it('uses billStartDate when it is later than the period start', async () => {
    const w = new World();
    const agreement = w.agreement('ACME', { startDate: '2026-11-01T00:00:00Z', billStartDate: '2026-11-10T00:00:00Z' });
    w.row('AC', 'ACME', 'C3', 2, 0);
    await runWorld(w);
    expect(w.activeOn(agreement).map((a) => a.effectiveDate)).toEqual(['2026-11-10T00:00:00Z']);
  });

  it('uses startDate when billStartDate is empty', async () => {
    const w = new World();
    const agreement = w.agreement('ACME', { startDate: '2026-11-03T00:00:00Z' });
    w.row('AC', 'ACME', 'C3', 2, 0);
    await runWorld(w);
    expect(w.activeOn(agreement).map((a) => a.effectiveDate)).toEqual(['2026-11-03T00:00:00Z']);
  });
});

describe('implausible quantities and broken exports (spec 6.2)', () => {
  it('1e20, 1e308, 9007199254740993 and a count above MaxQuantity are CW28 with the value shown; nothing written', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const ids = ['A1', 'B2', 'C3', 'D4', 'E5'].map((sku) => w.addition(agreement, sku, 7));
    // The point: JSON's 9007199254740993 arrives as 9007199254740992.
    w.row('AC', 'ACME', 'A1', 1e20)
      .row('AC', 'ACME', 'B2', 1e308)
      // eslint-disable-next-line no-loss-of-precision
      .row('AC', 'ACME', 'C3', 9007199254740993)
      .row('AC', 'ACME', 'D4', 51)
      .row('AC', 'ACME', 'E5', 50);
    const { entries, writes } = await runWorld(w, { parameters: { MaxQuantity: 50 } });
    expect(entriesWith(entries, 'CW28').map((e) => [e.sku, e.message.match(/Invalid This Month Count (.*) for Product ID/)?.[1]])).toEqual([
      ['A1', '100000000000000000000'],
      ['B2', '1e+308'],
      ['C3', '9007199254740992'],
      ['D4', '51 (above MaxQuantity 50)'],
    ]);
    expect(writes).toBe(1); // E5: 7 → 50
    expect(ids.map((id) => w.quantityOf(id))).toEqual([7, 7, 7, 7, 50]);
  });

  it('the default MaxQuantity is 100000', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const a1 = w.addition(agreement, 'A1', 7);
    const b2 = w.addition(agreement, 'B2', 7);
    w.row('AC', 'ACME', 'A1', 100001).row('AC', 'ACME', 'B2', 100000);
    const { entries } = await runWorld(w);
    expect(entriesWith(entries, 'CW28').map((e) => e.sku)).toEqual(['A1']);
    expect([w.quantityOf(a1), w.quantityOf(b2)]).toEqual([7, 100000]);
  });

  it('two rows identical in every column: CW28 and the SKU left alone; rows differing in one column are summed', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const a1 = w.addition(agreement, 'A1', 1);
    const b2 = w.addition(agreement, 'B2', 1);
    w.row('AC', 'ACME', 'A1', 3, 3, 'Users').row('AC', 'ACME', 'A1', 3, 3, 'Users');
    w.row('AC', 'ACME', 'B2', 3, 3, 'Users').row('AC', 'ACME', 'B2', 3, 2, 'Users');
    const { entries } = await runWorld(w);
    expect(only(entries, 'CW28')).toMatchObject({ sku: 'A1', data: { reason: 'duplicated row' } });
    expect([w.quantityOf(a1), w.quantityOf(b2)]).toEqual([1, 6]);
  });

  it('a quantity that differs from ConnectWise only past 2 decimals is CW09, one at the second decimal is written', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const same = w.addition(agreement, 'A1', 5.004);
    const differs = w.addition(agreement, 'B2', 5.006);
    w.row('AC', 'ACME', 'A1', 5).row('AC', 'ACME', 'B2', 5);
    const { entries, writes } = await runWorld(w);
    expect(only(entries, 'CW09').sku).toBe('A1');
    expect(writes).toBe(1);
    expect([w.quantityOf(same), w.quantityOf(differs)]).toEqual([5.004, 5]);
  });

  it('AllManagedSkus never zeroes a SKU that CW28 left alone', async () => {
    const w = new World();
    const mine = w.agreement('ACME');
    const a1 = w.addition(mine, 'A1', 4);
    w.agreement('BETA');
    w.row('AC', 'ACME', 'A1', 'four').row('AC', 'ACME', 'B2', 1).row('BE', 'BETA', 'A1', 2);
    const { entries } = await runWorld(w, { parameters: { RemovalScope: 'AllManagedSkus', AllowAtriaCreateAdditions: false } });
    expect(w.quantityOf(a1)).toBe(4);
    expect(entriesWith(entries, 'CW20')).toHaveLength(0);
    expect(only(entries, 'CW28').customer).toBe('AC');
  });

  it('customers sharing a company: one CW28 row leaves that SKU alone on the shared agreement, the rest is summed', async () => {
    const w = new World();
    const shared = w.agreement('SHARED');
    const a1 = w.addition(shared, 'A1', 1);
    const b2 = w.addition(shared, 'B2', 1);
    w.row('EAST', 'SHARED', 'A1', -1, 1).row('WEST', 'SHARED', 'A1', 4, 4);
    w.row('EAST', 'SHARED', 'B2', 2, 2).row('WEST', 'SHARED', 'B2', 3, 3);
    const { entries } = await runWorld(w);
    expect(only(entries, 'CW28').customer).toBe('EAST');
    expect([w.quantityOf(a1), w.quantityOf(b2)]).toEqual([1, 5]);
  });

  it("the safety guard's denominator includes additions made managed by AllManagedSkus", async () => {
    const w = new World();
    const mine = w.agreement('ACME');
    const zeroed = ['A1', 'B2', 'C3', 'D4', 'E5'].map((sku) => w.addition(mine, sku, 2));
    for (const sku of ['A1', 'B2', 'C3', 'D4', 'E5']) w.row('AC', 'ACME', sku, 0, 2);
    w.addition(mine, 'F6', 0);
    w.addition(mine, 'G7', 0);
    w.addition(mine, 'H8', 3);
    w.row('AC', 'ACME', 'H8', 3, 3);
    // F6 and G7 are managed (billed to BETA): matched, already 0. 5 zeroed of 8 matched = 62.5%; without them 5 of 6 = 83%.
    w.agreement('BETA');
    w.row('BE', 'BETA', 'F6', 1).row('BE', 'BETA', 'G7', 1);
    const stopped = await runWorld(w, {
      parameters: { RemovalScope: 'AllManagedSkus', MaxZeroedPercent: 70, AllowAtriaCreateAdditions: false },
    });
    expect(entriesWith(stopped.entries, 'CW27')).toHaveLength(0);
    expect(zeroed.map((id) => w.quantityOf(id))).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('writes verified after the run (spec 6.8)', () => {
  it('a POST that ConnectWise commits after the client timed out is never sent again: found afterwards, CW08 notes the late answer', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    w.row('AC', 'ACME', 'C3', 2, 0);
    const { result, entries, sandboxes } = await runWorld(
      w,
      { tuning: { timeoutMs: 300, retry: { backoffBaseMs: 5, backoffMaxMs: 20 } } },
      { connectWise: { faults: { latePostApplyMs: 450 } } },
    );
    expect(sandboxes.connectWise.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    const live = w.activeOn(agreement);
    expect(live.map((a) => [a.product.identifier, a.quantity])).toEqual([['C3', 2]]);
    expect(only(entries, 'CW08')).toMatchObject({
      customer: 'AC',
      sku: 'C3',
      message: expect.stringContaining(`addition ${live[0]!.id} was found on the agreement afterwards`),
    });
    expect(entriesWith(entries, 'CW31')).toHaveLength(0);
    expect(result.plan).toMatchObject([{ action: 'create', outcome: 'applied' }]);
    expect(result.status).toBe('Success');
  });

  it('a 502 whose addition appears 1.5 s later: one POST, one addition, CW08 noting the late answer', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    w.row('AC', 'ACME', 'C3', 2, 0);
    const faults = { postAnsweredThenApplied: { status: 502, applyAfterMs: 1500, times: 1 } };
    const { result, entries, sandboxes } = await runWorld(w, { tuning: { ...FAST_RETRY, settleMs: 2500 } }, { connectWise: { faults } });
    expect(sandboxes.connectWise.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([502]);
    expect(w.activeOn(agreement).map((a) => [a.product.identifier, a.quantity])).toEqual([['C3', 2]]);
    expect(only(entries, 'CW08').message).toContain("ConnectWise's answer was lost");
    expect(entriesWith(entries, 'CW35')).toHaveLength(0);
    expect(result.status).toBe('Success');
  });

  it('a 502 that really created nothing: one POST, no addition, CW35 says re-run; the re-run creates it once', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    w.row('AC', 'ACME', 'C3', 2, 0);
    const dataset = w.dataset();
    const sandboxes = await startSandboxes(dataset, {
      connectWise: { faults: { postAnsweredThenApplied: { status: 502, applyAfterMs: 0, times: 1, apply: false } } },
    });
    try {
      const first = await runTask(sandboxes, dataset, { tuning: { ...FAST_RETRY, settleMs: 50 } });
      expect(sandboxes.connectWise.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
      expect(w.activeOn(agreement)).toHaveLength(0);
      expect(only(first.entries, 'CW35').data).toMatchObject({ agreementId: agreement, quantity: 2 });
      expect(first.result.status).toBe('CompletedWithErrors');
      const second = await runTask(sandboxes, dataset);
      expect(w.activeOn(agreement).map((a) => [a.product.identifier, a.quantity])).toEqual([['C3', 2]]);
      expect(second.result.status).toBe('Success');
    } finally {
      await sandboxes.close();
    }
  });

  it('a POST answered 429 was not applied: it is sent again and creates one addition', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    w.row('AC', 'ACME', 'C3', 2, 0);
    const faults = { failRequests: [{ method: 'POST', path: /\/additions$/, status: 429, times: 1 }] };
    const { result, sandboxes } = await runWorld(w, {}, { connectWise: { faults } });
    expect(sandboxes.connectWise.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([429, 201]);
    expect(w.activeOn(agreement)).toHaveLength(1);
    expect(result.status).toBe('Success');
  });

  it('a duplicate that appears beside a created addition (another run, another machine) is CW31 naming both, never Success', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    w.row('AC', 'ACME', 'C3', 2, 0);
    const { result, entries } = await runWorld(w, {}, { connectWise: { faults: { doublePostApply: 1 } } });
    const live = w.activeOn(agreement);
    expect(live).toHaveLength(2);
    expect(only(entries, 'CW31')).toMatchObject({
      level: 'Error',
      customer: 'AC',
      sku: 'C3',
      message: `AC Agreement ${agreement} has 2 live additions (ids ${live
        .map((a) => a.id)
        .sort((x, y) => x - y)
        .join(', ')}) with Product ID C3 after this run's writes: the customer would be billed more than once`,
    });
    expect(result.status).toBe('CompletedWithErrors');
    expect(entries[entries.length - 1]!.code).toBe('CW23');
  });

  it('a run that created nothing makes no verification read', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    w.addition(agreement, 'A1', 1);
    w.row('AC', 'ACME', 'A1', 2, 1);
    const { sandboxes } = await runWorld(w);
    expect(sandboxes.connectWise.counts().byKind['GET /finance/agreements/{id}/additions']).toBe(1);
  });
});

describe('a value that breaks a batched query (spec 6.3, 6.4)', () => {
  it('a 400 on the agreements batch is isolated to its customer (CW14 with the message); the others go on', async () => {
    const w = new World();
    const acme = w.addition(w.agreement('ACME'), 'A1', 1);
    const corp = w.addition(w.agreement('CORP'), 'A1', 1);
    w.agreement('BAD1');
    w.row('AC', 'ACME', 'A1', 2).row('BD', 'BAD1', 'A1', 2).row('CO', 'CORP', 'A1', 2);
    const faults = {
      failRequests: [
        {
          method: 'GET',
          path: /^\/finance\/agreements$/,
          query: /BAD1/,
          status: 400,
          message: 'conditions: the value could not be parsed',
        },
      ],
    };
    const { result, entries } = await runWorld(w, {}, { connectWise: { faults } });
    expect(only(entries, 'CW14')).toMatchObject({
      customer: 'BD',
      message: expect.stringContaining('ConnectWise refused a query for this value'),
    });
    expect(only(entries, 'CW14').message).toContain('conditions: the value could not be parsed');
    expect([w.quantityOf(acme), w.quantityOf(corp)]).toEqual([2, 2]);
    expect(result.status).toBe('CompletedWithWarnings');
  });

  it('a 400 on the catalog batch is isolated to its SKU (CW06 with the message)', async () => {
    const w = new World();
    w.state.catalog.push({
      id: 700,
      identifier: 'Z9',
      description: 'Odd',
      inactiveFlag: false,
      subcategory: { id: 1 },
      type: { id: 1 },
      customerDescription: 'odd',
      price: 1,
    });
    const agreement = w.agreement('ACME');
    const a1 = w.addition(agreement, 'A1', 1);
    w.row('AC', 'ACME', 'A1', 2).row('AC', 'ACME', 'Z9', 2);
    const faults = {
      failRequests: [
        { method: 'GET', path: /^\/procurement\/catalog$/, query: /"z9"/i, status: 400, message: 'identifier: invalid value' },
      ],
    };
    const { entries } = await runWorld(w, {}, { connectWise: { faults } });
    expect(only(entries, 'CW06')).toMatchObject({ sku: 'Z9', message: expect.stringContaining('identifier: invalid value') });
    expect(w.quantityOf(a1)).toBe(2);
  });

  it('a backslash or a control character is never put in a condition; the customer or SKU is reported', async () => {
    const w = new World();
    const a1 = w.addition(w.agreement('ACME'), 'A1', 1);
    w.row('AC', 'ACME', 'A1', 2).row('BS', 'AC\\ME', 'A1', 2).row('AC', 'ACME', 'B\\2', 2).row('CT', 'AC\u001bME', 'A1', 2);
    const { entries, sandboxes } = await runWorld(w);
    const urls = sandboxes.connectWise.requests.map((r) => JSON.stringify(r.query));
    expect(urls.some((q) => q.includes('\\\\') || q.includes('\\u001b'))).toBe(false);
    expect(
      entriesWith(entries, 'CW14')
        .map((e) => e.customer)
        .sort(),
    ).toEqual(['BS', 'CT']);
    for (const e of entriesWith(entries, 'CW14')) expect(e.message).toContain('backslash or a control character');
    expect(only(entries, 'CW06').message).toContain('backslash or a control character');
    expect(w.quantityOf(a1)).toBe(2);
  });
});

describe('prices (spec 6.4)', () => {
  it('a created addition that ConnectWise prices at 0 gets CW32 naming it; no price is ever sent', async () => {
    const w = new World();
    w.state.catalog.find((c) => c.identifier === 'C3')!.price = 0;
    const agreement = w.agreement('ACME');
    w.row('AC', 'ACME', 'C3', 2, 0).row('AC', 'ACME', 'D4', 1, 0);
    const { entries } = await runWorld(w);
    const created = w.activeOn(agreement);
    const free = created.find((a) => a.product.identifier === 'C3')!;
    expect(only(entries, 'CW32')).toMatchObject({
      level: 'Warning',
      sku: 'C3',
      message: `AC Addition ${free.id} created with Product ID C3 on agreement ${agreement} has unit price 0: it will bill nothing`,
    });
    expect(created.find((a) => a.product.identifier === 'D4')!.unitPrice).toBe(13);
  });
});

describe('CW02 names the host it tried and says what the error means (spec 6.1)', () => {
  const failureOf = async (apiUrl: (sandboxes: Sandboxes) => string): Promise<string> => {
    const w = new World();
    w.agreement('ACME');
    w.row('AC', 'ACME', 'A1', 1);
    const dataset = w.dataset();
    const sandboxes = await startSandboxes(dataset);
    try {
      const { entries, result } = await runTask(sandboxes, dataset, { parameters: { apiUrl: apiUrl(sandboxes) } });
      expect(result.status).toBe('Failed');
      expect(sandboxes.connectWise.counts().writes).toBe(0);
      return only(entries, 'CW02').message;
    } finally {
      await sandboxes.close();
    }
  };

  it('connection refused', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    expect(await failureOf(() => `http://127.0.0.1:${port}`)).toContain(`connection refused by 127.0.0.1:${port}`);
  });

  it('TLS: https to a server that does not speak it', async () => {
    const message = await failureOf((s) => s.connectWise.origin.replace('http://', 'https://'));
    expect(message).toMatch(/secure connection \(TLS\) to 127\.0\.0\.1:\d+ failed/);
  });

  it('404: a wrong codebase (or, on cloud, credentials of another company)', async () => {
    const message = await failureOf((s) => `${s.connectWise.origin}/v2099_release/apis/3.0`);
    expect(message).toMatch(
      /HTTP 404 .*not found at 127\.0\.0\.1:\d+: a wrong codebase in apiUrl, or on ConnectWise cloud credentials of another company or region/,
    );
  });

  it('host not found', async () => {
    expect(await failureOf(() => 'https://cw-nowhere.invalid')).toContain('host cw-nowhere.invalid not found');
  });
});
