// The end-of-run check of the creates (verifyCreatedAdditions) with an in-memory ConnectWise: which
// agreements it re-reads, what a lost answer becomes (CW08 found late, CW35 not there), duplicates
// (CW31), and a verification read that fails (CW10 naming what is left unknown).
import { CancelledError } from '../../src/errors.js';
import type { ChangeOutcome } from '../../src/pipeline/applyPlan.js';
import { changeEntry } from '../../src/pipeline/changeEntries.js';
import type { PlannedChange } from '../../src/pipeline/types.js';
import { verifyCreatedAdditions } from '../../src/pipeline/verifyWrites.js';
import { FakeConnectWise } from '../support/fakeGateways.js';
import { World } from '../support/world.js';

function fixture() {
  const w = new World();
  const acme = w.agreement('ACME');
  const gateway = new FakeConnectWise(w.state);
  const create = (sku: string, after = 2): PlannedChange => ({
    action: 'create',
    customer: { code: 'AC', name: 'Acme Ltd', accountCode: 'ACME', lines: new Map(), untouchableSkus: new Set(), linesWithoutSku: [] },
    agreement: { id: acme, name: 'Hosting', companyIdentifier: 'ACME', companyName: 'Acme', cancelledFlag: false },
    additionId: null,
    sku,
    productId: w.productId(sku),
    before: null,
    after,
    lineDescription: `${sku} seats`,
    effectiveDate: '2026-10-26T00:00:00Z',
    freeUnits: 0,
    unitPrice: null,
    productDescription: '',
  });
  return { w, acme, gateway, create };
}

const verify = (gateway: FakeConnectWise, changes: PlannedChange[], outcomes: ChangeOutcome[], unknownErrors = new Map<number, string>()) =>
  verifyCreatedAdditions(changes, outcomes, unknownErrors, gateway, 2);

describe('verifyCreatedAdditions', () => {
  it('re-reads only agreements where a create was tried: a create never sent is not checked', async () => {
    const { gateway, create } = fixture();
    const result = await verify(gateway, [create('A1')], ['planned']);
    expect([result.entries, result.outcomes, gateway.calls.listAdditions ?? 0]).toEqual([[], ['planned'], 0]);
  });

  it("a create whose answer was lost and that is there after all: CW08 with the lost answer and the addition's id, applied", async () => {
    const { w, acme, gateway, create } = fixture();
    const change = create('A1');
    const id = w.addition(acme, 'A1', 2);
    const result = await verify(gateway, [change], ['unknown']);
    const entry = changeEntry({ ...change, additionId: id }, false);
    expect(result).toEqual({
      outcomes: ['applied'],
      entries: [
        {
          ...entry,
          details: {
            ...entry.details,
            suffix: ` (ConnectWise's answer was lost: no answer; addition ${id} was found on the agreement afterwards)`,
            data: { ...entry.details.data, lateAnswer: true },
          },
        },
      ],
    });
  });

  it('one that is not there: CW35 (re-run to create it), failed; two live additions of a created product: CW31 with ids and quantities', async () => {
    const { w, acme, gateway, create } = fixture();
    const first = w.addition(acme, 'B2', 2);
    const second = w.addition(acme, 'B2', 5);
    const result = await verify(gateway, [create('A1', 3), create('B2')], ['unknown', 'applied'], new Map([[0, 'socket hang up']]));
    expect(result).toEqual({
      outcomes: ['failed', 'applied'],
      entries: [
        {
          code: 'CW35',
          params: { customerCode: 'AC', sku: 'A1', agreementId: acme, error: 'socket hang up' },
          details: { customer: 'AC', sku: 'A1', data: { agreementId: acme, quantity: 3, action: 'create' } },
        },
        {
          code: 'CW31',
          params: { customerCode: 'AC', agreementId: acme, count: 2, additionIds: `${first}, ${second}`, sku: 'B2' },
          details: { customer: 'AC', sku: 'B2', data: { agreementId: acme, additionIds: [first, second], quantities: [2, 5] } },
        },
      ],
    });
  });

  it('a verification read that fails is CW10 naming the lines and which creates are still unknown; a cancel stops it', async () => {
    const { acme, gateway, create } = fixture();
    gateway.failAdditionsFor.add(acme);
    const result = await verify(gateway, [create('A1'), create('B2'), create('C3')], ['applied', 'unknown', 'failed']);
    expect(result).toEqual({
      outcomes: ['applied', 'unknown', 'failed'],
      entries: [
        {
          code: 'CW10',
          params: {
            customerCode: 'AC',
            lineDescription: `(verification of the additions created on agreement ${acme})`,
            sku: 'A1, B2, C3',
            error: expect.stringContaining(`additions of ${acme} unavailable`),
          },
          details: {
            customer: 'AC',
            data: {
              agreementId: acme,
              verification: 'not done: check the agreement for duplicate or missing additions',
              outcomeUnknown: ['B2'],
            },
          },
        },
      ],
    });
    gateway.listAdditions = async () => {
      throw new CancelledError();
    };
    await expect(verify(gateway, [create('A1')], ['applied'])).rejects.toBeInstanceOf(CancelledError);
  });
});
