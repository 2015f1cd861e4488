import { entriesWith, only } from '../support/harness.js';
import { runWorld, World } from '../support/world.js';

/** ConnectWise's billCustomer and Atria's own billable flag (spec 6.2, 6.4), over HTTP against the sandbox. */

describe('non-billable additions (spec 6.4)', () => {
  it("a DoNotBill addition is never written: Atria's count goes to a Billable addition created beside it, less the free units", async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const free = w.addition(agreement, 'A1', 3, { billCustomer: 'DoNotBill' });
    w.row('AC', 'ACME', 'A1', 15, 15);
    const { result, entries } = await runWorld(w);
    expect(w.quantityOf(free)).toBe(3);
    const billable = w.activeOn(agreement).filter((a) => a.billCustomer === 'Billable');
    expect(billable.map((a) => [a.product.identifier, a.quantity])).toEqual([['A1', 12]]);
    expect(only(entries, 'CW34')).toMatchObject({
      level: 'Info',
      customer: 'AC',
      sku: 'A1',
      message: `AC Product ID A1 for line A1 licences: 15 billed by Atria − 3 on do-not-bill addition ${free} = 12 to bill`,
    });
    expect(entriesWith(entries, 'CW26')).toHaveLength(0);
    expect(result.plan).toMatchObject([{ action: 'create', after: 12, freeUnits: 3, outcome: 'applied' }]);
    expect(result.status).toBe('Success');
  });

  it('a Billable line beside a NoCharge line is no duplicate: the Billable one gets the count minus the free units', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const paid = w.addition(agreement, 'A1', 6);
    const free = w.addition(agreement, 'A1', 2, { billCustomer: 'NoCharge' });
    w.row('AC', 'ACME', 'A1', 10, 8);
    const { result, entries } = await runWorld(w);
    expect([w.quantityOf(paid), w.quantityOf(free)]).toEqual([8, 2]);
    expect(entriesWith(entries, 'CW26')).toHaveLength(0);
    expect(only(entries, 'CW34').message).toContain(`10 billed by Atria − 2 on no-charge addition ${free} = 8 to bill`);
    expect(only(entries, 'CW07').data).toMatchObject({ additionId: paid, before: 6, after: 8 });
    expect(result.status).toBe('Success');
  });

  it('with NonBillableAdditions Ignore the Billable addition gets the full count and a Verbose entry names the free lines', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const paid = w.addition(agreement, 'A1', 6);
    const free = w.addition(agreement, 'A1', 2, { billCustomer: 'NoCharge' });
    w.row('AC', 'ACME', 'A1', 10, 8);
    const { entries } = await runWorld(w, { parameters: { NonBillableAdditions: 'Ignore' } });
    expect([w.quantityOf(paid), w.quantityOf(free)]).toEqual([10, 2]);
    expect(only(entries, 'CW37')).toMatchObject({
      level: 'Verbose',
      message: expect.stringContaining(`non-billable addition(s) ${free} not subtracted`),
    });
    expect(entriesWith(entries, 'CW34')).toHaveLength(0);
  });

  it('free units above the count: the Billable addition goes to 0, never below', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const paid = w.addition(agreement, 'A1', 4);
    w.addition(agreement, 'A1', 5, { billCustomer: 'NoCharge' });
    w.row('AC', 'ACME', 'A1', 3, 4);
    const { entries } = await runWorld(w);
    expect(w.quantityOf(paid)).toBe(0);
    expect(only(entries, 'CW34').message).toContain('= 0 to bill (never below 0)');
  });

  it('only free lines and creation not allowed: CW22 with the target; the free lines are left as they are', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const free = w.addition(agreement, 'A1', 2, { billCustomer: 'DoNotBill' });
    w.row('AC', 'ACME', 'A1', 7, 7);
    const { entries, writes } = await runWorld(w, { parameters: { AllowAtriaCreateAdditions: false } });
    expect(writes).toBe(0);
    expect(w.quantityOf(free)).toBe(2);
    expect(only(entries, 'CW22').message).toContain('creates one with quantity 5');
  });

  it('two Billable additions beside a free one are still CW26 (Billable ones only), nothing written', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const a = w.addition(agreement, 'A1', 1);
    const b = w.addition(agreement, 'A1', 1);
    const free = w.addition(agreement, 'A1', 1, { billCustomer: 'NoCharge' });
    w.row('AC', 'ACME', 'A1', 5, 5);
    const { entries, writes } = await runWorld(w);
    expect(writes).toBe(0);
    expect(only(entries, 'CW26').data).toMatchObject({ additionIds: [a, b] });
    expect(only(entries, 'CW26').data?.additionIds).not.toContain(free);
  });

  it('AllManagedSkus never zeroes a free line', async () => {
    const w = new World();
    const other = w.agreement('OTHER');
    w.addition(other, 'B2', 1);
    const acme = w.agreement('ACME');
    const free = w.addition(acme, 'B2', 4, { billCustomer: 'NoCharge' });
    w.addition(acme, 'A1', 1);
    w.row('OT', 'OTHER', 'B2', 1, 1).row('AC', 'ACME', 'A1', 1, 1);
    const { writes } = await runWorld(w, { parameters: { RemovalScope: 'AllManagedSkus' } });
    expect(writes).toBe(0);
    expect(w.quantityOf(free)).toBe(4);
  });
});

describe("Atria rows' own billable flag (spec 6.2)", () => {
  it('a row marked billable: false is never billed, even when the server ignores billableOnly=true', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const a1 = w.addition(agreement, 'A1', 5);
    w.row('AC', 'ACME', 'A1', 5, 5);
    w.row('AC', 'ACME', 'A1', 50, 50, 'A1 internal use');
    w.rows[1]!.billable = false;
    const { result, entries } = await runWorld(w, {}, { atria: { ignoreBillableOnly: true } });
    expect(w.quantityOf(a1)).toBe(5);
    expect(only(entries, 'CW36')).toMatchObject({
      level: 'Verbose',
      message: '1 Atria row(s) marked not billable were left out of the counts (AC A1 50)',
    });
    expect(result.status).toBe('Success');
  });

  it('a period whose rows are all marked not billable is CW15: nothing to bill, nothing written', async () => {
    const w = new World();
    const a1 = w.addition(w.agreement('ACME'), 'A1', 5);
    w.row('AC', 'ACME', 'A1', 9, 9);
    w.rows[0]!.billable = false;
    // A customer filter naming somebody absent: with nothing to bill there are no customer entries either (no CW25).
    const { entries, writes } = await runWorld(w, { parameters: { CustomersFilter: ['ZZ'] } }, { atria: { ignoreBillableOnly: true } });
    expect(writes).toBe(0);
    expect(w.quantityOf(a1)).toBe(5);
    expect(entries.map((e) => e.code)).toEqual(['CW01', 'CW36', 'CW15', 'CW23']);
  });
});
