import { describeMoney, moneyFigures, runFigures, summarizeRun } from '../../src/task/runSummary.js';
import { planToCsv } from '../../src/logging/planWriters.js';
import { runWorld, World } from '../support/world.js';

/**
 * Issue 21 items 1 and 2 (SPEC 14): every plan line carries its unit price, its monthly amount before
 * and after and the change, with the names beside the codes, from the reads a run makes anyway; each
 * customer and the run a total, split into increases, decreases, new and zeroed. Over HTTP against the sandbox.
 */
function pricedWorld() {
  const w = new World();
  const agreement = w.agreement('ACME');
  w.state.agreements.find((a) => a.id === agreement)!.currency = { id: 2, currencyCode: 'EUR', name: 'Euro' };
  const price = (sku: string, value: number) => (w.state.catalog.find((c) => c.identifier === sku)!.price = value);
  price('A1', 10);
  price('B2', 4.5);
  price('C3', 7);
  const ids = {
    // A negotiated price: the addition bills at its own unitPrice, not the catalog's.
    A1: w.addition(agreement, 'A1', 3, { unitPrice: 12 }),
    C3: w.addition(agreement, 'C3', 2, { unitPrice: 7 }),
    // ConnectWise gave no price: the line is planned as ever, its money is not counted.
    D4: w.addition(agreement, 'D4', 1, { unitPrice: undefined }),
  };
  w.row('AC', 'ACME', 'A1', 5, 3).row('AC', 'ACME', 'B2', 2, 0).row('AC', 'ACME', 'C3', 0, 2).row('AC', 'ACME', 'D4', 4, 1);
  return { w, agreement, ids };
}

describe('money on every line', () => {
  it('unit price, amounts before and after, change and currency per line; names beside codes; a created addition at the catalog price', async () => {
    const { w, agreement, ids } = pricedWorld();
    const { result } = await runWorld(w);
    const bySku = Object.fromEntries(result.plan.map((p) => [p.sku, p]));
    const names = {
      customerName: 'AC Name',
      companyName: 'ACME Inc',
      agreementName: `Agreement ${agreement}`,
      currency: 'EUR',
      outcome: 'applied',
    };
    expect(bySku.A1).toMatchObject({
      ...names,
      action: 'update',
      product: 'Product A1',
      unitPrice: 12,
      amountBefore: 36,
      amountAfter: 60,
      amountChange: 24,
    });
    expect(bySku.B2).toMatchObject({
      ...names,
      action: 'create',
      product: 'Product B2',
      unitPrice: 4.5,
      amountBefore: 0,
      amountAfter: 9,
      amountChange: 9,
    });
    expect(bySku.C3).toMatchObject({ ...names, action: 'zero', unitPrice: 7, amountBefore: 14, amountAfter: 0, amountChange: -14 });
    expect(bySku.D4).toMatchObject({ action: 'update', before: 1, after: 4 });
    expect(bySku.D4).not.toHaveProperty('unitPrice');
    expect(bySku.D4).not.toHaveProperty('amountChange');
    // What ConnectWise bills for the created line is what the plan said.
    const created = w.activeOn(agreement).find((a) => a.product.identifier === 'B2')!;
    expect([created.quantity, created.unitPrice]).toEqual([2, 4.5]);
    expect(w.quantityOf(ids.A1!)).toBe(5);

    const money = runFigures(result).money;
    expect(money).toEqual({
      basis: 'written',
      currency: 'EUR',
      change: 19,
      increases: 24,
      decreases: 0,
      created: 9,
      zeroed: -14,
      priced: 3,
      unpriced: 1,
      byCustomer: [{ customer: 'AC', customerName: 'AC Name', change: 19 }],
    });
    expect(summarizeRun(result)).toContain(
      'monthly billing +19.00 EUR (+24.00 up, +0.00 down, +9.00 new, -14.00 zeroed, 1 line without a price not counted)',
    );
    const csv = planToCsv(result.plan).split('\r\n');
    const header = csv[0]!.replace(/^\uFEFF/, '').split(',');
    const a1 = Object.fromEntries(header.map((column, i) => [column, csv.find((l) => l.includes(',A1,'))!.split(',')[i]]));
    expect(a1).toMatchObject({ CustomerName: 'AC Name', CompanyName: 'ACME Inc', Product: 'Product A1', UnitPrice: '12' });
    expect(a1).toMatchObject({ AmountBefore: '36', AmountAfter: '60', Change: '24', Currency: 'EUR' });
  });

  it('a dry run says what billing would change by, and writes nothing', async () => {
    const { w, ids } = pricedWorld();
    const { result, writes } = await runWorld(w, { parameters: { DryRun: true } });
    expect(writes).toBe(0);
    expect(w.quantityOf(ids.A1!)).toBe(3);
    expect(runFigures(result).money).toMatchObject({ basis: 'planned', change: 19 });
    expect(summarizeRun(result)).toContain('monthly billing would change by +19.00 EUR');
  });

  it('sums stay exact to the cent over many lines; several currencies are named as mixed; failed lines do not count', () => {
    const line = (change: number, currency: string, outcome: 'applied' | 'failed' = 'applied') => ({
      customer: 'X',
      company: 'X',
      agreementId: 1,
      additionId: 1,
      sku: 'S',
      before: 0,
      after: 1,
      action: 'update' as const,
      outcome,
      unitPrice: change,
      amountBefore: 0,
      amountAfter: change,
      amountChange: change,
      currency,
    });
    const plan = [...Array.from({ length: 1000 }, () => line(0.1, 'USD')), line(5, 'USD', 'failed')];
    expect(moneyFigures(plan).change).toBe(100);
    expect(moneyFigures([line(1, 'USD'), line(2, 'EUR')]).currency).toBe('mixed');
    expect(describeMoney(moneyFigures([line(1, 'USD'), line(2, 'EUR')]))).toBe(
      'monthly billing +3.00 (+3.00 up, +0.00 down, +0.00 new, +0.00 zeroed, agreements in several currencies)',
    );
    expect(describeMoney(moneyFigures([]))).toBeUndefined();
  });
});
