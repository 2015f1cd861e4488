import type { AtriaRow } from '../../src/gateways/atria/AtriaGateway.js';
import { isBillableAddition, isLiveAddition, notBefore } from '../../src/pipeline/additionRules.js';
import { lookupProducts } from '../../src/pipeline/lookupProducts.js';
import { mapCustomers } from '../../src/pipeline/mapCustomers.js';
import { prepareBillingData } from '../../src/pipeline/prepareBillingData.js';
import { reconcileAdditions, type ReconcileSettings } from '../../src/pipeline/reconcileAdditions.js';
import type { PendingEntry } from '../../src/pipeline/types.js';
import { CancelledError } from '../../src/errors.js';
import { FakeConnectWise } from '../support/fakeGateways.js';
import { World } from '../support/world.js';

/**
 * The money rules at the edges the generated worlds never reach (mutants that survived StrykerJS):
 * additions without a billCustomer, unreadable dates, a bill start with no date, removals whose last
 * month is unknown, managed products at zero, and what each entry says.
 */
describe('addition rules', () => {
  it('billable: Billable in any case, or no billCustomer at all; DoNotBill and NoCharge are free units', () => {
    expect([undefined, 'Billable', 'BILLABLE', 'billable'].map((billCustomer) => isBillableAddition({ billCustomer }))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['DoNotBill', 'NoCharge', 'Other'].map((billCustomer) => isBillableAddition({ billCustomer }))).toEqual([false, false, false]);
  });

  it('live: no cancelledDate, one after the effective date, or a date either side cannot be read; cancelled on or before it', () => {
    const effective = '2026-11-01T00:00:00Z';
    const live = (cancelledDate: string | undefined, on = effective) => isLiveAddition({ cancelledDate }, on);
    expect(live(undefined)).toBe(true);
    expect(live('')).toBe(true);
    expect(live('2026-11-02T00:00:00Z')).toBe(true);
    expect(live('2026-11-01T00:00:01Z')).toBe(true);
    expect(live('2026-11-01T00:00:00Z')).toBe(false);
    expect(live('2026-10-31T00:00:00Z')).toBe(false);
    expect(live('not a date')).toBe(true);
    expect(live('2026-10-31T00:00:00Z', 'not a date')).toBe(true);
  });

  it("the effective date is never before the agreement's bill start; a missing or unreadable bill start changes nothing", () => {
    const date = '2026-11-26T00:00:00Z';
    expect(notBefore(date, undefined)).toBe(date);
    expect(notBefore(date, '')).toBe(date);
    expect(notBefore(date, 'soon')).toBe(date);
    expect(notBefore(date, '2026-11-01T00:00:00Z')).toBe(date);
    expect(notBefore(date, date)).toBe(date);
    expect(notBefore(date, '2026-12-05T13:30:00Z')).toBe('2026-12-05T00:00:00Z');
  });
});

const SETTINGS: ReconcileSettings = {
  allowCreate: false,
  removalScope: 'ReportedRemovals',
  concurrency: 1,
  effectiveDate: '2026-10-26T00:00:00Z',
  nonBillableAdditions: 'Subtract',
};

/** One customer ACME through preparation, mapping, lookup and reconciliation. */
async function reconcile(
  w: World,
  settings: Partial<ReconcileSettings> = {},
  managed: string[] = [],
  gateway = new FakeConnectWise(w.state),
) {
  const rows = w.dataset().atria.rows[w.period.endDate]! as unknown as AtriaRow[];
  const { data } = prepareBillingData(
    rows.map((r) => ({ ...r, resultCount: rows.length })),
    { customersFilter: [], periodEnd: w.period.endDate, maxQuantity: 100000 },
  );
  const { mapped } = await mapCustomers(data.customers, gateway, {
    agreementType: 'Hosting and Cloud Services',
    onMultipleAgreements: 'UseFirst',
  });
  const managedSkus = new Map(managed.map((sku) => [sku.toLowerCase(), sku]));
  const { catalog } = await lookupProducts(mapped, managedSkus, gateway);
  const entries: PendingEntry[] = [];
  const plan = await reconcileAdditions(mapped, catalog, managedSkus, gateway, { ...SETTINGS, ...settings }, (e) => entries.push(...e));
  return { plan, entries, changes: plan.changes.map((c) => [c.sku, c.action, c.additionId, c.before, c.after]) };
}

describe('reconciliation at the edges', () => {
  it('an addition ConnectWise gives without billCustomer is the billable one: updated, never a duplicate of a Billable line', async () => {
    const w = new World();
    const acme = w.agreement('ACME');
    const bare = w.addition(acme, 'A1', 3, { billCustomer: undefined });
    w.row('AC', 'ACME', 'A1', 5);
    const { changes, entries } = await reconcile(w);
    expect(changes).toEqual([['A1', 'update', bare, 3, 5]]);
    expect(entries).toEqual([]);
  });

  it('a removal is a reported one only when last month was above 0: unknown or 0 leaves the addition (CW09 with the reason)', async () => {
    for (const [lastMonth, expected] of [
      [null, 'kept'],
      [0, 'kept'],
      [2, 'zero'],
    ] as const) {
      const w = new World();
      const acme = w.agreement('ACME');
      const id = w.addition(acme, 'A1', 4);
      w.row('AC', 'ACME', 'A1', 0, lastMonth);
      const { changes, entries } = await reconcile(w);
      if (expected === 'zero') {
        expect(changes).toEqual([['A1', 'zero', id, 4, 0]]);
        expect(entries).toEqual([]);
      } else {
        expect(changes).toEqual([]);
        expect(entries).toEqual([
          {
            code: 'CW09',
            params: { customerCode: 'AC', lineDescription: 'A1 licences' },
            details: {
              customer: 'AC',
              sku: 'A1',
              data: { additionId: id, quantity: 4, reason: 'no removal reported (last month not above 0)' },
              suffix: undefined,
            },
          },
        ]);
      }
    }
    // With AllManagedSkus every 0 is a removal, whatever last month says.
    const w = new World();
    const id = w.addition(w.agreement('ACME'), 'A1', 4);
    w.row('AC', 'ACME', 'A1', 0, null);
    expect((await reconcile(w, { removalScope: 'AllManagedSkus' })).changes).toEqual([['A1', 'zero', id, 4, 0]]);
  });

  it('unchanged: CW09 names the addition and its quantity', async () => {
    const w = new World();
    const id = w.addition(w.agreement('ACME'), 'A1', 3);
    w.row('AC', 'ACME', 'A1', 3);
    const { entries } = await reconcile(w);
    expect(entries).toEqual([
      {
        code: 'CW09',
        params: { customerCode: 'AC', lineDescription: 'A1 licences' },
        details: { customer: 'AC', sku: 'A1', data: { additionId: id, quantity: 3 }, suffix: undefined },
      },
    ]);
  });

  it('CW22 says the quantity the next run would create and how', async () => {
    const w = new World();
    w.agreement('ACME');
    w.row('AC', 'ACME', 'B2', 6);
    const { entries, changes } = await reconcile(w);
    expect(changes).toEqual([]);
    expect(entries).toEqual([
      {
        code: 'CW22',
        params: { customerName: 'AC Name', lineDescription: 'B2 licences', sku: 'B2' },
        details: {
          customer: 'AC',
          sku: 'B2',
          data: { quantity: 6 },
          suffix:
            ' (the agreement has no billable addition for it; with AllowAtriaCreateAdditions set to true the next run creates one with quantity 6)',
        },
      },
    ]);
  });

  it("a free line covering all of Atria's count: nothing to create, nothing said but the arithmetic", async () => {
    const w = new World();
    const acme = w.agreement('ACME');
    const free = w.addition(acme, 'A1', 5, { billCustomer: 'NoCharge' });
    w.row('AC', 'ACME', 'A1', 5);
    const { entries, changes } = await reconcile(w, { allowCreate: true });
    expect(changes).toEqual([]);
    expect(entries.map((e) => [e.code, e.params.arithmetic])).toEqual([
      ['CW34', `5 billed by Atria − 5 on no-charge addition ${free} = 0 to bill`],
    ]);
  });

  it('CW34 states each free line and the floor at 0; CW37 names the ignored units', async () => {
    const w = new World();
    const acme = w.agreement('ACME');
    const billable = w.addition(acme, 'A1', 1);
    const free1 = w.addition(acme, 'A1', 2, { billCustomer: 'DoNotBill' });
    const free2 = w.addition(acme, 'A1', 1.5, { billCustomer: 'NoCharge' });
    w.row('AC', 'ACME', 'A1', 3);
    const subtract = await reconcile(w);
    expect(subtract.changes).toEqual([['A1', 'zero', billable, 1, 0]]);
    expect(subtract.entries).toEqual([
      {
        code: 'CW34',
        params: {
          customerCode: 'AC',
          sku: 'A1',
          lineDescription: 'A1 licences',
          arithmetic: `3 billed by Atria − 2 on do-not-bill addition ${free1} − 1.5 on no-charge addition ${free2} = 0 to bill (never below 0)`,
        },
        details: {
          customer: 'AC',
          sku: 'A1',
          data: { nonBillableAdditionIds: [free1, free2], freeUnits: 3.5, atriaCount: 3, target: 0 },
          suffix: undefined,
        },
      },
    ]);
    expect(subtract.plan.changes[0]!.freeUnits).toBe(3);

    const ignore = await reconcile(w, { nonBillableAdditions: 'Ignore' });
    expect(ignore.changes).toEqual([['A1', 'update', billable, 1, 3]]);
    expect(ignore.entries).toEqual([
      {
        code: 'CW37',
        params: { customerCode: 'AC', sku: 'A1', lineDescription: 'A1 licences', quantity: '3.5', additionIds: `${free1}, ${free2}` },
        details: { customer: 'AC', sku: 'A1', data: { nonBillableAdditionIds: [free1, free2], freeUnits: 3.5 }, suffix: undefined },
      },
    ]);
    expect(ignore.plan.changes[0]!.freeUnits).toBe(0);
  });

  it('CW29 names the cancelled date of an addition that still bills while Atria bills it; none when the target is 0', async () => {
    const w = new World();
    const acme = w.agreement('ACME');
    const ending = w.addition(acme, 'A1', 2, { cancelledDate: '2026-12-15T00:00:00Z' });
    w.row('AC', 'ACME', 'A1', 4);
    const { entries, changes } = await reconcile(w);
    expect(changes).toEqual([['A1', 'update', ending, 2, 4]]);
    expect(entries).toEqual([
      {
        code: 'CW29',
        params: {
          customerCode: 'AC',
          additionId: ending,
          sku: 'A1',
          agreementId: acme,
          cancelledDate: '2026-12-15',
          quantity: 4,
          lineDescription: 'A1 licences',
        },
        details: { customer: 'AC', sku: 'A1', data: { additionId: ending, cancelledDate: '2026-12-15T00:00:00Z' }, suffix: undefined },
      },
    ]);
    const w2 = new World();
    w2.addition(w2.agreement('ACME'), 'A1', 2, { cancelledDate: '2026-12-15T00:00:00Z' });
    w2.row('AC', 'ACME', 'A1', 0, 2);
    expect((await reconcile(w2)).entries.map((e) => e.code)).toEqual([]);
  });

  it('CW10 for an unreadable additions list names the agreement; a cancellation during the read stops the run instead', async () => {
    const w = new World();
    const acme = w.agreement('ACME');
    w.row('AC', 'ACME', 'A1', 1);
    const failing = new FakeConnectWise(w.state);
    failing.failAdditionsFor.add(acme);
    const { entries } = await reconcile(w, {}, [], failing);
    expect(entries).toEqual([
      {
        code: 'CW10',
        params: {
          customerCode: 'AC',
          lineDescription: `(all lines of agreement ${acme})`,
          sku: '(all)',
          error: `additions of ${acme} unavailable`,
        },
        details: { customer: 'AC', data: { agreementId: acme } },
      },
    ]);
    const cancelled = new FakeConnectWise(w.state);
    cancelled.listAdditions = async () => {
      throw new CancelledError();
    };
    await expect(reconcile(w, {}, [], cancelled)).rejects.toBeInstanceOf(CancelledError);
  });

  it('AllManagedSkus: a managed product at 0 is counted but not written; two at 0 are no duplicate; one above 0 among two is', async () => {
    // B2, billed to ACME with no addition (CW22), makes ACME a customer of the run; A1 is only managed.
    const onA1 = (changes: unknown[][]) => changes.filter(([sku]) => sku === 'A1');
    const base = () => {
      const w = new World();
      const acme = w.agreement('ACME');
      w.row('AC', 'ACME', 'B2', 1);
      return { w, acme };
    };
    const one = base();
    one.w.addition(one.acme, 'A1', 0);
    const atZero = await reconcile(one.w, { removalScope: 'AllManagedSkus' }, ['A1']);
    expect(atZero.changes.filter(([sku]) => sku === 'A1')).toEqual([]);
    expect(atZero.plan.matchedAdditions).toBe(1); // B2 has no addition: only the managed A1 is matched

    const two = base();
    two.w.addition(two.acme, 'A1', 0);
    two.w.addition(two.acme, 'A1', 0);
    const bothZero = await reconcile(two.w, { removalScope: 'AllManagedSkus' }, ['A1']);
    expect([onA1(bothZero.changes), bothZero.entries.filter((e) => e.details.sku === 'A1')]).toEqual([[], []]);

    const mixed = base();
    const a = mixed.w.addition(mixed.acme, 'A1', 0);
    const b = mixed.w.addition(mixed.acme, 'A1', 3, { description: '' });
    const dup = await reconcile(mixed.w, { removalScope: 'AllManagedSkus' }, ['A1']);
    expect(onA1(dup.changes)).toEqual([]);
    expect(dup.entries.filter((e) => e.details.sku === 'A1')).toEqual([
      {
        code: 'CW26',
        params: { customerCode: 'AC', additionIds: `${a}, ${b}`, sku: 'A1', agreementId: mixed.acme, lineDescription: 'Existing A1' },
        details: { customer: 'AC', sku: 'A1', data: { additionIds: [a, b] }, suffix: undefined },
      },
    ]);

    // The stage itself zeroes other SKUs only under AllManagedSkus, whatever managed map it is handed.
    const reported = base();
    reported.w.addition(reported.acme, 'A1', 3);
    expect(onA1((await reconcile(reported.w, { removalScope: 'ReportedRemovals' }, ['A1'])).changes)).toEqual([]);

    const unnamed = base();
    const c = unnamed.w.addition(unnamed.acme, 'A1', 3, { description: '' });
    const zeroed = await reconcile(unnamed.w, { removalScope: 'AllManagedSkus' }, ['A1']);
    expect(zeroed.plan.changes.filter((ch) => ch.sku === 'A1').map((ch) => [ch.sku, ch.action, ch.additionId, ch.lineDescription])).toEqual(
      [['A1', 'zero', c, 'A1']],
    );
  });
});
