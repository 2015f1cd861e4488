import type { AtriaRow } from '../../src/gateways/atria/AtriaGateway.js';
import { lookupProducts } from '../../src/pipeline/lookupProducts.js';
import { mapCustomers } from '../../src/pipeline/mapCustomers.js';
import { prepareBillingData } from '../../src/pipeline/prepareBillingData.js';
import { reconcileAdditions } from '../../src/pipeline/reconcileAdditions.js';
import { resolvePeriod } from '../../src/pipeline/resolvePeriod.js';
import { checkSafetyGuard } from '../../src/pipeline/safetyGuard.js';
import { applyPlan } from '../../src/pipeline/applyPlan.js';
import { CancelledError, CodedError } from '../../src/errors.js';
import type { MappedCustomer, PendingEntry, Plan, PlannedChange } from '../../src/pipeline/types.js';
import { generateDataset } from '../../scripts/sandbox/generator.js';
import { activeAdditionLines } from '../../scripts/sandbox/cwState.js';
import { FakeConnectWise } from '../support/fakeGateways.js';
import { TEST_NOW } from '../support/harness.js';
import { World } from '../support/world.js';
import { atriaRow, completeExport } from '../support/atriaRows.js';

const row = atriaRow;
const complete = completeExport;

describe('resolvePeriod', () => {
  const periods = [
    { startDate: '2026-09-26', endDate: '2026-10-25', status: 'Closed' },
    { startDate: '2026-10-26', endDate: '2026-11-25', status: 'Closed' },
    { startDate: '2026-11-26', endDate: '2026-12-25', status: 'Open' },
  ];
  it.each([
    ['Current', '2026-11-26T22:00:00Z', '2026-12-25'],
    ['Current', '2026-11-25T23:59:59Z', '2026-11-25'],
    ['Previous', '2026-11-26T00:00:00Z', '2026-11-25'],
    ['Previous', '2026-11-25T12:00:00Z', '2026-10-25'],
    ['2026-10-26', '2026-11-26T00:00:00Z', '2026-11-25'],
    ['2026-10-25', '2026-11-26T00:00:00Z', '2026-10-25'],
  ])('%s at %s → period ending %s', (setting, now, end) => {
    expect(resolvePeriod(periods, setting, new Date(now)).endDate).toBe(end);
  });
  it('CW19 when nothing matches', () => {
    expect(() => resolvePeriod(periods, '2025-01-01', new Date())).toThrow(expect.objectContaining({ code: 'CW19' }));
    expect(() => resolvePeriod(periods.slice(2), 'Previous', new Date('2026-11-30T00:00:00Z'))).toThrow(CodedError);
  });
});

describe('prepareBillingData', () => {
  it('sums rows of one customer and SKU (case-insensitive SKU), keeping distinct groupings in row order', () => {
    const { data } = prepareBillingData(
      complete([
        row('a', 'X1', 2, { summaryGrouping: 'Users' }),
        row('a', 'x1', 3, { summaryGrouping: 'Admins' }),
        row('a', 'X1', 1, { summaryGrouping: 'Users' }),
      ]),
      { customersFilter: [], periodEnd: 'E', maxQuantity: 100000 },
    );
    const line = data.customers[0]!.lines.get('x1')!;
    expect([line.quantity, line.lastMonth, line.groupings]).toEqual([6, 6, ['Users', 'Admins']]);
  });
  it('CW28 for missing, negative, fractional or non-numeric counts; the SKU becomes untouchable', () => {
    const { data, entries } = prepareBillingData(
      complete([
        row('a', 'X1', 4),
        row('a', 'X1', '4'),
        row('a', 'Y2', undefined),
        row('a', 'Z3', 1.5),
        row('a', 'W4', -1),
        row('a', 'V5', 3),
      ]),
      { customersFilter: [], periodEnd: 'E', maxQuantity: 100000 },
    );
    expect(entries.map((e) => [e.code, e.details.sku])).toEqual([
      ['CW28', 'X1'],
      ['CW28', 'Y2'],
      ['CW28', 'Z3'],
      ['CW28', 'W4'],
    ]);
    expect([...data.customers[0]!.lines.keys()]).toEqual(['v5']);
    expect([...data.customers[0]!.untouchableSkus].sort()).toEqual(['w4', 'x1', 'y2', 'z3']);
  });
  it('an invalid lastMonthCount only removes the removal signal', () => {
    const { data, entries } = prepareBillingData(complete([row('a', 'X1', 0, { lastMonthCount: 'n/a' })]), {
      customersFilter: [],
      periodEnd: 'E',
      maxQuantity: 100000,
    });
    expect(entries).toEqual([]);
    expect(data.customers[0]!.lines.get('x1')!.lastMonth).toBeNull();
  });
  it('CW13 when rows are fewer than resultCount or disagree on it', () => {
    expect(() =>
      prepareBillingData([row('a', 'X', 1, { resultCount: 2 })], { customersFilter: [], periodEnd: 'E', maxQuantity: 100000 }),
    ).toThrow(expect.objectContaining({ code: 'CW13' }));
    expect(() =>
      prepareBillingData([row('a', 'X', 1, { resultCount: 2 }), row('b', 'X', 1, { resultCount: 3 })], {
        customersFilter: [],
        periodEnd: 'E',
        maxQuantity: 100000,
      }),
    ).toThrow(expect.objectContaining({ code: 'CW13' }));
    expect(() =>
      prepareBillingData([row('a', 'X', 1, { resultCount: undefined })], { customersFilter: [], periodEnd: 'E', maxQuantity: 100000 }),
    ).toThrow(expect.objectContaining({ code: 'CW13' }));
  });
  it('the customer filter is case-insensitive, CW25 for absent codes, billed SKUs span all customers', () => {
    const { data, entries } = prepareBillingData(complete([row('a', 'X1', 1), row('b', 'Y2', 1)]), {
      customersFilter: ['A', 'zz'],
      periodEnd: 'E',
      maxQuantity: 100000,
    });
    expect(data.customers.map((c) => c.code)).toEqual(['a']);
    expect(entries.map((e) => [e.code, e.params.customerCode])).toEqual([['CW25', 'zz']]);
    expect([...data.billedSkus.keys()].sort()).toEqual(['x1', 'y2']);
  });
});

describe('mapCustomers, lookupProducts, reconcileAdditions with an in-memory gateway', () => {
  function fixture() {
    const w = new World();
    const acme = w.agreement('ACME');
    const beta1 = w.agreement('BETA');
    const beta2 = w.agreement('BETA');
    w.agreement('OLD', { status: 'Inactive' });
    w.addition(acme, 'A1', 3);
    w.addition(acme, 'B2', 2);
    w.addition(acme, 'H8', 4);
    w.row('AC', 'ACME', 'A1', 3)
      .row('AC', 'ACME', 'B2', 5)
      .row('AC', 'ACME', 'C3', 1, 0)
      .row('AC', 'ACME', 'QQ', 1)
      .row('AC', 'ACME', '', 1);
    w.row('BE', 'BETA', 'A1', 1).row('OL', 'OLD', 'A1', 1).row('NO', '', 'A1', 1).row('GH', 'GHOST', 'A1', 1);
    const { data } = prepareBillingData(complete(w.dataset().atria.rows[w.period!.endDate]!.map((r) => r as unknown as AtriaRow)), {
      customersFilter: [],
      periodEnd: w.period!.endDate,
      maxQuantity: 100000,
    });
    return { w, acme, beta1, beta2, data, gateway: new FakeConnectWise(w.state) };
  }

  it('maps in one bulk read; CW04, CW14, CW24 once per customer', async () => {
    const { data, gateway, acme, beta1, beta2 } = fixture();
    const { mapped, entries } = await mapCustomers(data.customers, gateway, {
      agreementType: 'Hosting and Cloud Services',
      onMultipleAgreements: 'UseFirst',
    });
    expect(gateway.calls).toEqual({ listAgreements: 1 });
    expect(mapped.map((m) => [m.customer.code, m.agreement.id])).toEqual([
      ['AC', acme],
      ['BE', beta1],
    ]);
    expect(entries.map((e) => [e.code, e.details.customer])).toEqual([
      ['CW04', 'NO'],
      ['CW24', 'BE'],
      ['CW14', 'OL'],
      ['CW14', 'GH'],
    ]);
    expect(entries[1]!.params.agreementIds).toBe(`${beta1}, ${beta2}`);
  });

  it('looks products up in one bulk read; CW05 and CW06 per line', async () => {
    const { data, gateway } = fixture();
    const { mapped } = await mapCustomers(data.customers, gateway, {
      agreementType: 'Hosting and Cloud Services',
      onMultipleAgreements: 'UseFirst',
    });
    const { catalog, entries } = await lookupProducts(mapped, new Map(), gateway);
    expect(gateway.calls.findCatalogItems).toBe(1);
    expect([...catalog.keys()].sort()).toEqual(['a1', 'b2', 'c3']);
    expect(entries.map((e) => [e.code, e.details.sku ?? ''])).toEqual([
      ['CW05', ''],
      ['CW06', 'QQ'],
    ]);
  });

  it('reconciles each agreement from one additions read into a plan, writing nothing', async () => {
    const { data, gateway, acme } = fixture();
    const { mapped } = await mapCustomers(data.customers, gateway, {
      agreementType: 'Hosting and Cloud Services',
      onMultipleAgreements: 'UseFirst',
    });
    const { catalog } = await lookupProducts(mapped, new Map(), gateway);
    const before = JSON.stringify(gateway.state);
    const entries: PendingEntry[] = [];
    const plan = await reconcileAdditions(
      mapped,
      catalog,
      new Map(),
      gateway,
      {
        allowCreate: true,
        removalScope: 'ReportedRemovals',
        concurrency: 2,
        effectiveDate: '2026-10-26T00:00:00Z',
        nonBillableAdditions: 'Subtract',
      },
      (e) => entries.push(...e),
    );
    expect(gateway.calls.listAdditions).toBe(2);
    expect(JSON.stringify(gateway.state)).toBe(before);
    expect(plan.changes.map((c) => [c.customer.code, c.sku, c.action, c.before, c.after])).toEqual([
      ['AC', 'B2', 'update', 2, 5],
      ['AC', 'C3', 'create', null, 1],
      ['BE', 'A1', 'create', null, 1],
    ]);
    expect(plan.matchedAdditions).toBe(2);
    expect(entries.map((e) => [e.code, e.details.sku])).toEqual([['CW09', 'A1']]);
    expect(plan.changes[0]!.agreement.id).toBe(acme);
  });

  it('CW13 (not CW10) when the additions response stays unreadable after its retries', async () => {
    const { data, gateway, acme } = fixture();
    gateway.unreadableAdditionsFor.add(acme);
    const { mapped } = await mapCustomers(data.customers, gateway, {
      agreementType: 'Hosting and Cloud Services',
      onMultipleAgreements: 'UseFirst',
    });
    const { catalog } = await lookupProducts(mapped, new Map(), gateway);
    const entries: PendingEntry[] = [];
    await reconcileAdditions(
      mapped,
      catalog,
      new Map(),
      gateway,
      {
        allowCreate: true,
        removalScope: 'ReportedRemovals',
        concurrency: 2,
        effectiveDate: '2026-10-26T00:00:00Z',
        nonBillableAdditions: 'Subtract',
      },
      (e) => entries.push(...e),
    );
    expect(entries.map((e) => [e.code, e.details.customer, e.params.error])).toEqual([
      ['CW13', 'AC', `AC: GET /finance/agreements/${acme}/additions: the response body is not valid JSON`],
    ]);
  });

  it('CW10 for a customer whose additions cannot be read; the others are planned', async () => {
    const { data, gateway, acme } = fixture();
    gateway.failAdditionsFor.add(acme);
    const { mapped } = await mapCustomers(data.customers, gateway, {
      agreementType: 'Hosting and Cloud Services',
      onMultipleAgreements: 'UseFirst',
    });
    const { catalog } = await lookupProducts(mapped, new Map(), gateway);
    const entries: PendingEntry[] = [];
    const plan = await reconcileAdditions(
      mapped,
      catalog,
      new Map(),
      gateway,
      {
        allowCreate: true,
        removalScope: 'ReportedRemovals',
        concurrency: 2,
        effectiveDate: '2026-10-26T00:00:00Z',
        nonBillableAdditions: 'Subtract',
      },
      (e) => entries.push(...e),
    );
    expect(entries.map((e) => [e.code, e.details.customer])).toEqual([['CW10', 'AC']]);
    expect(plan.changes.map((c) => c.customer.code)).toEqual(['BE']);
  });
});

describe('customers sharing one company', () => {
  it('are summed into one customer on the agreement, never written twice for one product', async () => {
    const w = new World();
    const agreement = w.agreement('SHARED');
    const a1 = w.addition(agreement, 'A1', 1);
    w.row('EAST', 'SHARED', 'A1', 3, 3, 'East users').row('WEST', 'shared', 'A1', 4, 4, 'West users').row('WEST', 'shared', 'C3', 2, 0);
    const gateway = new FakeConnectWise(w.state);
    const { data } = prepareBillingData(complete(w.dataset().atria.rows[w.period!.endDate] as unknown as AtriaRow[]), {
      customersFilter: [],
      periodEnd: 'E',
      maxQuantity: 100000,
    });
    const { mapped } = await mapCustomers(data.customers, gateway, {
      agreementType: 'Hosting and Cloud Services',
      onMultipleAgreements: 'UseFirst',
    });
    expect(mapped.map((m) => [m.customer.code, m.agreement.id])).toEqual([['EAST+WEST', agreement]]);
    const { catalog } = await lookupProducts(mapped, new Map(), gateway);
    const plan = await reconcileAdditions(
      mapped,
      catalog,
      new Map(),
      gateway,
      {
        allowCreate: true,
        removalScope: 'ReportedRemovals',
        concurrency: 2,
        effectiveDate: '2026-10-26T00:00:00Z',
        nonBillableAdditions: 'Subtract',
      },
      () => undefined,
    );
    expect(plan.changes.map((c) => [c.sku, c.action, c.additionId, c.after, c.lineDescription])).toEqual([
      ['A1', 'update', a1, 7, 'East users; West users'],
      ['C3', 'create', null, 2, 'C3 licences'],
    ]);
  });
});

describe('checkSafetyGuard', () => {
  const plan = (zeroed: number, matched: number): Plan => ({
    changes: Array.from({ length: zeroed }, () => ({ action: 'zero' }) as PlannedChange),
    matchedAdditions: matched,
  });
  it.each([
    [5, 10, 25, true],
    [4, 4, 25, false], // fewer than 5 never trip
    [5, 20, 25, false], // exactly 25% is allowed
    [6, 20, 25, true],
    [8, 10, 80, false],
    [8, 10, 79, true],
  ])('%i zeroed of %i at %i%% → stops: %s', (zeroed, matched, max, stops) => {
    const attempt = () => checkSafetyGuard(plan(zeroed, matched), max);
    if (stops) expect(attempt).toThrow(expect.objectContaining({ code: 'CW27' }));
    else expect(attempt).not.toThrow();
  });
});

describe('applyPlan', () => {
  /** A generated month's plan, decided by the stages before applyPlan against an in-memory ConnectWise. */
  const generatedPlan = async () => {
    const dataset = generateDataset({ customers: 40, skusPerCustomer: 5, now: TEST_NOW, seed: 4 });
    const gateway = new FakeConnectWise(dataset.state);
    const rows = dataset.atria.rows[dataset.period.endDate] as unknown as AtriaRow[];
    const { data } = prepareBillingData(rows, { customersFilter: [], periodEnd: dataset.period.endDate, maxQuantity: 100000 });
    const { mapped } = await mapCustomers(data.customers, gateway, {
      agreementType: dataset.agreementType,
      onMultipleAgreements: 'UseFirst',
    });
    const { catalog } = await lookupProducts(mapped as MappedCustomer[], new Map(), gateway);
    const settings = {
      allowCreate: true,
      removalScope: 'ReportedRemovals',
      concurrency: 3,
      effectiveDate: '2026-10-26T00:00:00Z',
      nonBillableAdditions: 'Subtract',
    } as const;
    return { dataset, gateway, plan: await reconcileAdditions(mapped, catalog, new Map(), gateway, settings, () => undefined) };
  };

  it('applies a generated plan to reach the expected state, and reports a failed write with its customer', async () => {
    const { dataset, gateway, plan } = await generatedPlan();
    const emitted: string[] = [];
    const { outcomes, error } = await applyPlan(
      plan.changes,
      gateway,
      { concurrency: 3 },
      (entries) => emitted.push(...entries.map((e) => e.code)),
      () => undefined,
    );
    expect(error).toBeUndefined();
    expect(outcomes.every((o) => o === 'applied')).toBe(true);
    expect(activeAdditionLines(gateway.state, dataset.period.startDate)).toEqual(dataset.expected);
    expect(emitted.length).toBe(plan.changes.length);

    const failing = plan.changes.find((c) => c.action === 'update')!;
    const broken = { ...failing, additionId: -1, after: failing.after + 1 };
    const failedEntries: string[] = [];
    expect(
      await applyPlan(
        [broken],
        gateway,
        { concurrency: 1 },
        (entries) => failedEntries.push(...entries.map((e) => `${e.code}:${e.details.customer}`)),
        () => undefined,
      ),
    ).toEqual({ outcomes: ['failed'], unknownErrors: new Map(), createdIds: new Map() });
    expect(failedEntries).toEqual([`CW10:${failing.customer.code}`]);
  });

  it('returns what it did: stopped by a cancel after the first write, the landed write is applied and the rest planned, with the error', async () => {
    const { gateway, plan } = await generatedPlan();
    expect(plan.changes.length).toBeGreaterThan(2);
    const cancel = new AbortController();
    const result = await applyPlan(
      plan.changes,
      gateway,
      { concurrency: 1, signal: cancel.signal },
      () => cancel.abort(),
      () => undefined,
    );
    expect(result.error).toBeInstanceOf(CancelledError);
    expect(result.outcomes[0]).toBe('applied');
    expect(result.outcomes.slice(1).every((o) => o === 'planned')).toBe(true);
  });
});
