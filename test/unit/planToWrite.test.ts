import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CancelledError } from '../../src/errors.js';
import type { PlanItem, PlanToWrite } from '../../src/host/api.js';
import { checkPlanToWrite, planDefect } from '../../src/pipeline/checkPlanToWrite.js';
import { parsePlanDocument, planProblem, PLAN_FORMAT, readPlanToWrite, type PlanDocument } from '../../src/task/planDocument.js';
import { FakeConnectWise } from '../support/fakeGateways.js';
import { World } from '../support/world.js';

/**
 * The stage that checks a plan to write against ConnectWise today (SPEC 14), with an in-memory
 * gateway: which lines are still as the plan expects, which changed (CW38), which are already done (CW09).
 */
const item = (over: Partial<PlanItem>): PlanItem => ({
  customer: 'AC',
  company: 'ACME',
  agreementId: 100,
  additionId: null,
  sku: 'A1',
  before: null,
  after: 0,
  action: 'update',
  outcome: 'planned',
  ...over,
});
const plan = (purpose: PlanToWrite['purpose'], items: PlanItem[]): PlanToWrite => ({
  purpose,
  source: 'run r1',
  period: { startDate: '2026-10-26', endDate: '2026-11-25' },
  createdAt: '2026-11-26T22:00:00Z',
  items,
});
const settings = { concurrency: 2, effectiveDate: '2026-10-26T00:00:00Z' };

function world() {
  const w = new World();
  const agreement = w.agreement('ACME');
  const other = w.agreement('BETA');
  const ids = { A1: w.addition(agreement, 'A1', 3), B2: w.addition(agreement, 'B2', 2), C3: w.addition(other, 'C3', 1) };
  return { w, agreement, other, ids, gateway: new FakeConnectWise(w.state) };
}

describe('checkPlanToWrite', () => {
  it('apply keeps the lines still at their reviewed value, names a changed one (CW38) and one already done (CW09); one read per agreement', async () => {
    const { w, agreement, other, ids, gateway } = world();
    w.state.additions.find((a) => a.id === ids.B2)!.quantity = 7; // changed by someone since the review
    const checked = await checkPlanToWrite(
      plan('apply', [
        item({ agreementId: agreement, additionId: ids.A1, sku: 'A1', before: 3, after: 5, productId: w.productId('A1') }),
        item({ agreementId: agreement, additionId: ids.B2, sku: 'B2', before: 2, after: 4, productId: w.productId('B2') }),
        item({ agreementId: other, customer: 'BE', additionId: ids.C3, sku: 'C3', before: 0, after: 1, productId: w.productId('C3') }),
        item({
          agreementId: agreement,
          sku: 'D4',
          action: 'create',
          after: 2,
          productId: w.productId('D4'),
          effectiveDate: '2026-10-26T00:00:00Z',
        }),
        item({ agreementId: agreement, additionId: ids.A1, sku: 'A1', before: 1, after: 9, outcome: 'failed' }),
      ]),
      gateway,
      settings,
    );
    expect(checked.changes.map((c) => [c.sku, c.action, c.before, c.after, c.additionId])).toEqual([
      ['A1', 'update', 3, 5, ids.A1],
      ['D4', 'create', null, 2, null],
    ]);
    expect(checked.entries.map((e) => [e.code, e.params.sku ?? e.details.sku])).toEqual([
      ['CW38', 'B2'],
      ['CW09', 'C3'],
    ]);
    expect(checked.entries[0]!.params).toMatchObject({
      expectation: 'the reviewed value',
      reviewed: '2.00',
      current: `7.00 on addition ${ids.B2}`,
    });
    expect(gateway.calls.listAdditions).toBe(2);
  });

  it('apply never creates twice: an addition of the product that appeared since is CW38, one at the planned quantity CW09', async () => {
    const { w, agreement, gateway } = world();
    const create = item({ agreementId: agreement, sku: 'D4', action: 'create', after: 2, productId: w.productId('D4') });
    w.addition(agreement, 'D4', 6);
    const drifted = await checkPlanToWrite(plan('apply', [create]), gateway, settings);
    expect([drifted.changes, drifted.entries.map((e) => e.code)]).toEqual([[], ['CW38']]);
    w.state.additions.at(-1)!.quantity = 2;
    const done = await checkPlanToWrite(plan('apply', [create]), gateway, settings);
    expect([done.changes, done.entries.map((e) => e.code)]).toEqual([[], ['CW09']]);
    // A non-billable addition of the product does not count as the line.
    w.state.additions.at(-1)!.billCustomer = 'NoCharge';
    expect((await checkPlanToWrite(plan('apply', [create]), gateway, settings)).changes).toHaveLength(1);
  });

  it("revert takes the applied lines back where ConnectWise holds the run's value; a created addition (by id) goes to 0", async () => {
    const { w, agreement, ids, gateway } = world();
    const created = w.addition(agreement, 'D4', 2);
    const checked = await checkPlanToWrite(
      plan('revert', [
        item({
          agreementId: agreement,
          additionId: ids.A1,
          sku: 'A1',
          before: 5,
          after: 3,
          outcome: 'applied',
          productId: w.productId('A1'),
        }),
        item({
          agreementId: agreement,
          additionId: ids.B2,
          sku: 'B2',
          before: 9,
          after: 4,
          outcome: 'applied',
          productId: w.productId('B2'),
        }),
        item({
          agreementId: agreement,
          additionId: created,
          sku: 'D4',
          before: null,
          after: 2,
          action: 'create',
          outcome: 'applied',
          productId: w.productId('D4'),
        }),
        item({ agreementId: agreement, additionId: ids.A1, sku: 'A1', before: 1, after: 3, outcome: 'planned' }),
      ]),
      gateway,
      settings,
    );
    expect(checked.changes.map((c) => [c.sku, c.action, c.before, c.after])).toEqual([
      ['A1', 'update', 3, 5],
      ['D4', 'zero', 2, 0],
    ]);
    expect(checked.entries.map((e) => e.code)).toEqual(['CW38']);
    expect(checked.entries[0]!.params).toMatchObject({
      expectation: "the run's value",
      reviewed: '4.00',
      current: `2.00 on addition ${ids.B2}`,
    });
  });

  it('an agreement that cannot be read: its lines are reported (CW10) and none written; the others go on', async () => {
    const { w, agreement, other, ids, gateway } = world();
    gateway.failAdditionsFor.add(agreement);
    const checked = await checkPlanToWrite(
      plan('apply', [
        item({ agreementId: agreement, additionId: ids.A1, sku: 'A1', before: 3, after: 5 }),
        item({ agreementId: other, customer: 'BE', additionId: ids.C3, sku: 'C3', before: 1, after: 4, productId: w.productId('C3') }),
      ]),
      gateway,
      settings,
    );
    expect(checked.changes.map((c) => c.sku)).toEqual(['C3']);
    expect(checked.entries.map((e) => [e.code, e.details.data])).toEqual([
      ['CW10', expect.objectContaining({ lines: ['A1'], written: 'none of these lines' })],
    ]);
  });

  it('a line to create that does not name its product makes the plan unusable (never a create of product 0)', () => {
    expect(planDefect(plan('apply', [item({ action: 'create', after: 1 })]))).toContain(
      'does not name the ConnectWise product (productId)',
    );
    expect(planDefect(plan('apply', [item({ additionId: 4, before: 1, after: 2 })]))).toBeUndefined();
  });
});

describe('what a checked line carries to the write and the log', () => {
  const customer = (code: string, name: string) => ({
    code,
    name,
    accountCode: 'ACME',
    lines: new Map(),
    untouchableSkus: new Set(),
    linesWithoutSku: [],
  });

  it("a kept line is the change the run writes: ConnectWise's addition, price and product first, then the plan's names and dates", async () => {
    const { w, agreement, ids, gateway } = world();
    w.state.additions.find((a) => a.id === ids.A1)!.unitPrice = 12.5;
    const named = { customerName: 'Acme Ltd', companyName: 'Acme Inc', agreementName: 'Hosting', currency: 'EUR' };
    const checked = await checkPlanToWrite(
      plan('apply', [
        item({
          agreementId: agreement,
          additionId: ids.A1,
          before: 3,
          after: 5,
          productId: 999,
          unitPrice: 10,
          product: 'Backup',
          lineDescription: 'Backup seats',
          ...named,
        }),
        item({ agreementId: agreement, additionId: ids.B2, sku: 'B2', before: 2, after: 0, action: 'zero', product: 'Bravo' }),
        item({
          agreementId: agreement,
          sku: 'D4',
          action: 'create',
          after: 2,
          productId: w.productId('D4'),
          unitPrice: 4,
          effectiveDate: '2026-11-01T00:00:00Z',
        }),
      ]),
      gateway,
      settings,
    );
    const plain = { id: agreement, name: '', companyIdentifier: 'ACME', companyName: '', cancelledFlag: false };
    expect(checked).toEqual({
      entries: [],
      changes: [
        {
          action: 'update',
          customer: customer('AC', 'Acme Ltd'),
          agreement: {
            id: agreement,
            name: 'Hosting',
            companyIdentifier: 'ACME',
            companyName: 'Acme Inc',
            cancelledFlag: false,
            currency: 'EUR',
          },
          additionId: ids.A1,
          sku: 'A1',
          productId: w.productId('A1'),
          before: 3,
          after: 5,
          lineDescription: 'Backup seats',
          effectiveDate: settings.effectiveDate,
          freeUnits: 0,
          unitPrice: 12.5,
          productDescription: 'Backup',
        },
        {
          action: 'zero',
          customer: customer('AC', 'AC'),
          agreement: plain,
          additionId: ids.B2,
          sku: 'B2',
          productId: w.productId('B2'),
          before: 2,
          after: 0,
          lineDescription: 'Bravo',
          effectiveDate: settings.effectiveDate,
          freeUnits: 0,
          unitPrice: null,
          productDescription: 'Bravo',
        },
        {
          action: 'create',
          customer: customer('AC', 'AC'),
          agreement: plain,
          additionId: null,
          sku: 'D4',
          productId: w.productId('D4'),
          before: null,
          after: 2,
          lineDescription: 'D4',
          effectiveDate: '2026-11-01T00:00:00Z',
          freeUnits: 0,
          unitPrice: 4,
          productDescription: '',
        },
      ],
    });
  });

  it('quantities compare to the cent, as everywhere: 2.004 in ConnectWise is the reviewed 2', async () => {
    const { w, agreement, ids, gateway } = world();
    w.state.additions.find((a) => a.id === ids.B2)!.quantity = 2.004;
    const checked = await checkPlanToWrite(
      plan('apply', [item({ agreementId: agreement, additionId: ids.B2, sku: 'B2', before: 2, after: 4 })]),
      gateway,
      settings,
    );
    expect(checked.changes.map((c) => [c.sku, c.before, c.after])).toEqual([['B2', 2.004, 4]]);
  });

  it('a line already at its target says so whole (CW09); another addition of the same product does not make it ambiguous', async () => {
    const { w, agreement, ids, gateway } = world();
    w.addition(agreement, 'A1', 8); // a second live A1, not the plan's line
    const checked = await checkPlanToWrite(
      plan('apply', [item({ agreementId: agreement, additionId: ids.A1, before: 1, after: 3, lineDescription: 'Seats' })]),
      gateway,
      settings,
    );
    expect(checked).toEqual({
      changes: [],
      entries: [
        {
          code: 'CW09',
          params: { customerCode: 'AC', lineDescription: 'Seats' },
          details: { customer: 'AC', sku: 'A1', data: { additionId: ids.A1, quantity: 3, reason: 'already as the plan sets it' } },
        },
      ],
    });
  });

  it('a create whose product now has two additions names both (CW38), even when one holds the planned quantity', async () => {
    const { w, agreement, gateway } = world();
    const first = w.addition(agreement, 'D4', 2);
    const second = w.addition(agreement, 'D4', 6);
    const create = item({ agreementId: agreement, sku: 'D4', action: 'create', after: 2, productId: w.productId('D4') });
    const checked = await checkPlanToWrite(plan('apply', [create]), gateway, settings);
    expect(checked).toEqual({
      changes: [],
      entries: [
        {
          code: 'CW38',
          params: {
            customerCode: 'AC',
            sku: 'D4',
            agreementId: agreement,
            lineDescription: 'D4',
            expectation: 'the reviewed value',
            reviewed: 'no live addition',
            current: `2.00 on addition ${first} and 6.00 on addition ${second}`,
          },
          details: {
            customer: 'AC',
            sku: 'D4',
            data: {
              agreementId: agreement,
              additionId: null,
              expected: null,
              current: [
                { additionId: first, quantity: 2 },
                { additionId: second, quantity: 6 },
              ],
            },
          },
        },
      ],
    });
  });

  it('0 is a value, not the absence of one: a create finds an addition at 0 since (CW38, never a second one); an addition at 0 that is gone is CW38', async () => {
    const { w, agreement, gateway } = world();
    const atZero = w.addition(agreement, 'D4', 0);
    const create = item({ agreementId: agreement, sku: 'D4', action: 'create', after: 2, productId: w.productId('D4') });
    const found = await checkPlanToWrite(plan('apply', [create]), gateway, settings);
    expect([found.changes, found.entries.map((e) => [e.code, e.params.current])]).toEqual([[], [['CW38', `0.00 on addition ${atZero}`]]]);
    const gone = item({ agreementId: agreement, additionId: 999, sku: 'D4', before: 0, after: 2, productId: w.productId('D4') });
    const missing = await checkPlanToWrite(plan('apply', [gone]), gateway, settings);
    expect([missing.changes, missing.entries.map((e) => [e.code, e.params.reviewed, e.params.current])]).toEqual([
      [],
      [['CW38', '0.00', 'no live addition']],
    ]);
  });

  it('a revert of a created addition someone has since deleted writes nothing and says so (CW38)', async () => {
    const { w, agreement, gateway } = world();
    const created = item({
      agreementId: agreement,
      additionId: 77,
      sku: 'D4',
      action: 'create',
      before: null,
      after: 2,
      outcome: 'applied',
      productId: w.productId('D4'),
    });
    const checked = await checkPlanToWrite(plan('revert', [created]), gateway, settings);
    expect(checked.changes).toEqual([]);
    expect(checked.entries.map((e) => [e.code, e.params.reviewed, e.params.current])).toEqual([['CW38', '2.00', 'no live addition']]);
  });

  it('an agreement that cannot be read: CW10 naming its lines, CW13 when the answer was unreadable; a cancellation stops the check', async () => {
    const { w, agreement, other, ids, gateway } = world();
    gateway.failAdditionsFor.add(agreement);
    gateway.unreadableAdditionsFor.add(other);
    const checked = await checkPlanToWrite(
      plan('apply', [
        item({ agreementId: agreement, additionId: ids.A1, sku: 'A1', before: 3, after: 5 }),
        item({ agreementId: agreement, additionId: ids.B2, sku: 'B2', before: 2, after: 1 }),
        item({ agreementId: other, customer: 'BE', additionId: ids.C3, sku: 'C3', before: 1, after: 4, productId: w.productId('C3') }),
      ]),
      gateway,
      settings,
    );
    expect(checked.changes).toEqual([]);
    expect(checked.entries).toEqual([
      {
        code: 'CW10',
        params: {
          customerCode: 'AC',
          lineDescription: `(the plan's lines on agreement ${agreement})`,
          sku: 'A1, B2',
          error: expect.stringContaining(`additions of ${agreement} unavailable`),
        },
        details: { customer: 'AC', data: { agreementId: agreement, lines: ['A1', 'B2'], written: 'none of these lines' } },
      },
      {
        code: 'CW13',
        params: { error: expect.stringMatching(/^BE: .*not valid JSON/) },
        details: { customer: 'BE', data: { agreementId: other, lines: ['C3'], written: 'none of these lines' } },
      },
    ]);
    gateway.listAdditions = async () => {
      throw new CancelledError();
    };
    await expect(
      checkPlanToWrite(plan('apply', [item({ additionId: ids.A1, before: 3, after: 5 })]), gateway, settings),
    ).rejects.toBeInstanceOf(CancelledError);
  });

  it('which lines make a plan unusable: one to create, or one without its addition, that does not name its product', () => {
    const defect = (over: Partial<PlanItem>) => planDefect(plan('apply', [item(over)]));
    const message = 'its line for AC A1 does not name the ConnectWise product (productId); make a new dry run and apply its plan';
    expect(defect({ action: 'create', after: 1 })).toBe(message);
    expect(defect({ action: 'create', additionId: 7, after: 1 })).toBe(message);
    expect(defect({ action: 'update', additionId: null, after: 1 })).toBe(message);
    expect(defect({ action: 'create', after: 1, productId: 5 })).toBeUndefined();
    expect(defect({ action: 'update', additionId: 7, before: 1, after: 2 })).toBeUndefined();
    // Lines the purpose does not write are not looked at.
    expect(defect({ action: 'create', after: 1, outcome: 'failed' })).toBeUndefined();
  });
});

describe('plan files', () => {
  const document: PlanDocument = {
    format: PLAN_FORMAT,
    runId: 'r1',
    dryRun: true,
    status: 'Success',
    period: { startDate: '2026-10-26', endDate: '2026-11-25' },
    createdAt: '2026-11-26T22:00:00Z',
    items: [],
  };
  it('a plan file is read against schemas/plan.schema.json, saying where it is wrong', () => {
    expect(parsePlanDocument(JSON.stringify(document))).toEqual(document);
    expect(parsePlanDocument('[1,')).toEqual({ problem: 'it is not JSON (write it with run --plan-file F.json)' });
    expect(parsePlanDocument('[]')).toEqual({ problem: expect.stringContaining('it is not a plan file of this version') });
    expect(parsePlanDocument(JSON.stringify({ ...document, items: [{ customer: 'AC' }] }))).toEqual({
      problem: expect.stringContaining('/items/0'),
    });
  });
  it('apply takes a finished dry run with its period, revert a run that wrote (even one that failed part-way)', () => {
    expect(planProblem(document, 'apply')).toBeUndefined();
    expect(planProblem(document, 'revert')).toContain("it is a dry run's plan");
    expect(planProblem({ ...document, dryRun: false }, 'apply')).toContain('it is the plan of a run that wrote');
    expect(planProblem({ ...document, status: 'Failed' }, 'apply')).toContain('its dry run ended Failed');
    expect(planProblem({ ...document, dryRun: false, status: 'Failed' }, 'revert')).toBeUndefined();
    expect(planProblem({ ...document, period: undefined }, 'apply')).toContain('does not say its billing period');
  });

  it('a plan file read from disk: its source names the file and run; unreadable, damaged or of the wrong kind, it says why', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cwm-plan-'));
    const file = path.join(dir, 'reviewed.json');
    writeFileSync(file, JSON.stringify({ ...document, items: [item({ additionId: 4, before: 1, after: 2 })] }));
    expect(await readPlanToWrite(file, 'apply')).toEqual({
      purpose: 'apply',
      source: 'plan file reviewed.json (run r1)',
      period: document.period,
      createdAt: document.createdAt,
      items: [item({ additionId: 4, before: 1, after: 2 })],
    });
    expect(await readPlanToWrite(path.join(dir, 'missing.json'), 'apply')).toEqual({ problem: 'it cannot be read (ENOENT)' });
    writeFileSync(file, '{"format":');
    expect(await readPlanToWrite(file, 'apply')).toEqual({ problem: 'it is not JSON (write it with run --plan-file F.json)' });
    writeFileSync(file, JSON.stringify({ ...document, status: 'Cancelled' }));
    expect(await readPlanToWrite(file, 'apply')).toEqual({
      problem: 'its dry run ended Cancelled, so it is not a whole plan: make a new dry run',
    });
    expect(await readPlanToWrite(file, 'revert')).toEqual({
      problem: "it is a dry run's plan, which wrote nothing to revert (apply applies it)",
    });
  });
});
