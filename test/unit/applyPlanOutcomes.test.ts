// applyPlan with an in-memory ConnectWise that fails on purpose: what each kind of failed write
// becomes (CW10, CW12, CW13, an unknown outcome left to the end-of-run check, a cancel that stops
// the writes), the CW32 of a create priced at 0, and agreements written side by side.
import { CancelledError } from '../../src/errors.js';
import { ConnectWiseError } from '../../src/gateways/connectwise/errors.js';
import { applyPlan } from '../../src/pipeline/applyPlan.js';
import type { PendingEntry, PlannedChange } from '../../src/pipeline/types.js';
import { FakeConnectWise } from '../support/fakeGateways.js';
import { World } from '../support/world.js';

function fixture() {
  const w = new World();
  const acme = w.agreement('ACME');
  const beta = w.agreement('BETA');
  const a1 = w.addition(acme, 'A1', 3);
  const b2 = w.addition(beta, 'B2', 2);
  const gateway = new FakeConnectWise(w.state);
  const change = (agreementId: number, over: Partial<PlannedChange>): PlannedChange => ({
    action: 'update',
    customer: { code: 'AC', name: 'Acme Ltd', accountCode: 'ACME', lines: new Map(), untouchableSkus: new Set(), linesWithoutSku: [] },
    agreement: { id: agreementId, name: 'Hosting', companyIdentifier: 'ACME', companyName: 'Acme', cancelledFlag: false },
    additionId: null,
    sku: 'A1',
    productId: w.productId('A1'),
    before: 3,
    after: 5,
    lineDescription: 'Seats',
    effectiveDate: '2026-10-26T00:00:00Z',
    freeUnits: 0,
    unitPrice: null,
    productDescription: '',
    ...over,
  });
  return { w, acme, beta, a1, b2, gateway, change };
}

async function apply(gateway: FakeConnectWise, changes: PlannedChange[], concurrency = 1) {
  const entries: PendingEntry[] = [];
  let customersDone = 0;
  const result = await applyPlan(
    changes,
    gateway,
    { concurrency },
    (e) => entries.push(...e),
    () => customersDone++,
  );
  return { ...result, entries, customersDone };
}

const lost = (method: string, path: string) => new ConnectWiseError('network', method, path, 'socket hang up', undefined, undefined, true);
const unreadable = (method: string, path: string) =>
  new ConnectWiseError('unreadable', method, path, 'the response body is not valid JSON');

describe('applyPlan: what a failed write becomes', () => {
  it('a refused update is CW10 naming the line; a refused create CW12 naming the customer; the others are still written', async () => {
    const { acme, beta, a1, b2, gateway, change } = fixture();
    gateway.updateAdditionQuantity = async (agreementId) => {
      if (agreementId === acme) throw new Error('400 quantity refused');
    };
    gateway.createAddition = async () => {
      throw new Error('400 product inactive');
    };
    const { outcomes, entries, error, customersDone } = await apply(gateway, [
      change(acme, { additionId: a1 }),
      change(beta, { additionId: b2, sku: 'B2', before: 2, after: 4 }),
      change(beta, { action: 'create', sku: 'D4', before: null, after: 1 }),
    ]);
    expect(error).toBeUndefined();
    expect(outcomes).toEqual(['failed', 'applied', 'failed']);
    expect(customersDone).toBe(2); // one per agreement written, whatever happened to its lines
    const failures = entries.filter((e) => e.code !== 'CW07');
    expect(failures).toEqual([
      {
        code: 'CW10',
        params: { customerCode: 'AC', lineDescription: 'Seats', sku: 'A1', error: expect.stringContaining('400 quantity refused') },
        details: { customer: 'AC', sku: 'A1', data: { agreementId: acme, additionId: a1, action: 'update' } },
      },
      {
        code: 'CW12',
        params: { customerName: 'Acme Ltd', sku: 'D4', error: expect.stringContaining('400 product inactive') },
        details: { customer: 'AC', sku: 'D4', data: { agreementId: beta, additionId: null, action: 'create' } },
      },
    ]);
  });

  it('an answer that cannot be read is CW13 naming the customer and SKU', async () => {
    const { acme, a1, gateway, change } = fixture();
    gateway.updateAdditionQuantity = async () => {
      throw unreadable('PATCH', `/finance/agreements/${acme}/additions/${a1}`);
    };
    const { outcomes, entries } = await apply(gateway, [change(acme, { additionId: a1 })]);
    expect(outcomes).toEqual(['failed']);
    expect(entries).toEqual([
      {
        code: 'CW13',
        params: { error: expect.stringMatching(/^AC A1: .*not valid JSON/) },
        details: { customer: 'AC', sku: 'A1', data: { agreementId: acme, additionId: a1, action: 'update' } },
      },
    ]);
  });

  it('a create whose outcome is unknown is left to the end-of-run check (no entry yet); an update with the same error is a failure', async () => {
    const { acme, a1, gateway, change } = fixture();
    gateway.createAddition = async () => {
      throw lost('POST', `/finance/agreements/${acme}/additions`);
    };
    gateway.updateAdditionQuantity = async () => {
      throw lost('PATCH', `/finance/agreements/${acme}/additions/${a1}`);
    };
    const { outcomes, entries, unknownErrors } = await apply(gateway, [
      change(acme, { action: 'create', sku: 'D4', before: null, after: 1 }),
      change(acme, { additionId: a1 }),
    ]);
    expect(outcomes).toEqual(['unknown', 'failed']);
    expect([...unknownErrors.keys()]).toEqual([0]);
    expect(unknownErrors.get(0)).toContain('socket hang up');
    expect(entries.map((e) => e.code)).toEqual(['CW10']);
  });

  it('a cancel during a write stops the writes: no failure entry, the rest planned, the error returned', async () => {
    const { acme, a1, gateway, change } = fixture();
    gateway.updateAdditionQuantity = async () => {
      throw new CancelledError();
    };
    const { outcomes, entries, error } = await apply(gateway, [
      change(acme, { additionId: a1 }),
      change(acme, { additionId: a1, after: 7 }),
    ]);
    expect(error).toBeInstanceOf(CancelledError);
    expect(outcomes).toEqual(['planned', 'planned']);
    expect(entries).toEqual([]);
  });
});

describe('applyPlan: what a landed write says', () => {
  it("a create ConnectWise priced at 0 is CW32 beside CW08, with the new addition's id", async () => {
    const { w, beta, gateway, change } = fixture();
    const d4 = w.productId('D4');
    w.state.catalog.find((c) => c.id === d4)!.price = 0;
    const { entries, createdIds } = await apply(gateway, [
      change(beta, { action: 'create', sku: 'D4', productId: w.productId('D4'), before: null, after: 1 }),
    ]);
    const created = createdIds.get(0)!;
    expect(created).toEqual(w.state.additions.at(-1)!.id);
    expect(entries.map((e) => e.code)).toEqual(['CW08', 'CW32']);
    expect(entries[1]).toEqual({
      code: 'CW32',
      params: { customerCode: 'AC', additionId: created, sku: 'D4', agreementId: beta },
      details: { customer: 'AC', sku: 'D4', data: { agreementId: beta, additionId: created, unitPrice: 0 } },
    });
  });

  it('agreements are written side by side up to the concurrency (a write on one waits for a write on the other)', async () => {
    const { acme, beta, a1, b2, gateway, change } = fixture();
    let betaStarted!: () => void;
    const betaWriting = new Promise<void>((resolve) => (betaStarted = resolve));
    const original = gateway.updateAdditionQuantity.bind(gateway);
    gateway.updateAdditionQuantity = async (agreementId, additionId, quantity) => {
      if (agreementId === beta) betaStarted();
      // Written one agreement after the other, ACME's write would wait for BETA's forever: give up after a second.
      else
        await Promise.race([
          betaWriting,
          new Promise((_, reject) => setTimeout(() => reject(new Error('agreements written one at a time')), 1000)),
        ]);
      return original(agreementId, additionId, quantity);
    };
    const { outcomes, entries } = await apply(
      gateway,
      [change(acme, { additionId: a1 }), change(beta, { additionId: b2, sku: 'B2', before: 2, after: 4 })],
      2,
    );
    expect(entries.filter((e) => e.code !== 'CW07')).toEqual([]);
    expect(outcomes).toEqual(['applied', 'applied']);
  });
});
