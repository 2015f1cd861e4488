import { entriesWith, only } from '../support/harness.js';
import { runWorld, World, type WorldRun } from '../support/world.js';

describe('decision table (spec 6) over HTTP against the sandbox', () => {
  it('CW01 first after the checks, CW09 for an unchanged line, CW23 last with Success', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const addition = w.addition(agreement, 'A1', 5);
    w.row('AC', 'ACME', 'A1', 5);
    const { result, entries, writes } = await runWorld(w);
    expect(entries[0]).toMatchObject({
      code: 'CW01',
      level: 'Info',
      message: `Billing Process Started : For Billing Period ${w.period!.endDate}`,
    });
    expect(only(entries, 'CW09')).toMatchObject({
      level: 'Verbose',
      customer: 'AC',
      sku: 'A1',
      message: 'AC Contract Line for A1 licences located – quantity is unchanged',
    });
    expect(entries[entries.length - 1]).toMatchObject({
      code: 'CW23',
      level: 'Info',
      message: 'Billing Process Completed with status Success',
    });
    expect(result.status).toBe('Success');
    expect(writes).toBe(0);
    expect(w.quantityOf(addition)).toBe(5);
  });

  it('CW07: a changed quantity is PATCHed, and rows of one SKU are summed', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const addition = w.addition(agreement, 'A1', 5);
    w.row('AC', 'ACME', 'A1', 3, 2, 'Users').row('AC', 'ACME', 'A1', 4, 3, 'Admins');
    const { result, entries, sandboxes } = await runWorld(w);
    expect(only(entries, 'CW07')).toMatchObject({
      level: 'Info',
      customer: 'AC',
      sku: 'A1',
      message: 'AC Quantity Update : Line located for Users; Admins with Product ID A1 and updated from 5.00 to 7.00',
    });
    expect(w.quantityOf(addition)).toBe(7);
    const patch = sandboxes.connectWise.requests.filter((r) => r.method === 'PATCH');
    expect(patch).toHaveLength(1);
    expect(result.plan).toEqual([
      {
        customer: 'AC',
        company: 'ACME',
        agreementId: agreement,
        additionId: addition,
        sku: 'A1',
        before: 5,
        after: 7,
        action: 'update',
        outcome: 'applied',
        customerName: 'AC Name',
        companyName: 'ACME Inc',
        agreementName: `Agreement ${agreement}`,
        product: 'Product A1',
        // What applying or reverting the line later takes (SPEC 14).
        productId: w.productId('A1'),
        lineDescription: 'Users; Admins',
      },
    ]);
  });

  it('CW20: a reported removal (this month 0, last month > 0) zeroes the addition', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const addition = w.addition(agreement, 'A1', 5);
    w.row('AC', 'ACME', 'A1', 0, 5);
    const { entries } = await runWorld(w);
    expect(only(entries, 'CW20')).toMatchObject({
      level: 'Info',
      message:
        'AC Name| Line located for A1 licences with Product ID A1 is been removed in the selected billing period. The Quantity is updated from 5.00 to 0.00',
    });
    expect(w.quantityOf(addition)).toBe(0);
  });

  it('ReportedRemovals: this month 0 with last month 0 (or invalid) is no removal signal', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const a1 = w.addition(agreement, 'A1', 5);
    const b2 = w.addition(agreement, 'B2', 4);
    w.row('AC', 'ACME', 'A1', 0, 0).row('AC', 'ACME', 'B2', 0, 'n/a');
    const { entries, writes } = await runWorld(w);
    expect(writes).toBe(0);
    expect(w.quantityOf(a1)).toBe(5);
    expect(w.quantityOf(b2)).toBe(4);
    expect(entriesWith(entries, 'CW20')).toHaveLength(0);
    expect(entriesWith(entries, 'CW09').map((e) => e.data?.reason)).toEqual([
      'no removal reported (last month not above 0)',
      'no removal reported (last month not above 0)',
    ]);
  });

  it('AllManagedSkus: an addition for a SKU billed to others but not to this customer is zeroed; ReportedRemovals leaves it', async () => {
    const build = () => {
      const w = new World();
      const mine = w.agreement('ACME');
      const kept = w.addition(mine, 'A1', 2);
      const managed = w.addition(mine, 'B2', 6);
      const unmanaged = w.addition(mine, 'H8', 9);
      w.agreement('BETA');
      w.row('AC', 'ACME', 'A1', 2).row('BE', 'BETA', 'B2', 1);
      return { w, kept, managed, unmanaged };
    };
    const scoped = build();
    await runWorld(scoped.w, { parameters: { RemovalScope: 'ReportedRemovals', AllowAtriaCreateAdditions: false } });
    expect(scoped.w.quantityOf(scoped.managed)).toBe(6);

    const all = build();
    const { entries } = await runWorld(all.w, { parameters: { RemovalScope: 'AllManagedSkus', AllowAtriaCreateAdditions: false } });
    expect(all.w.quantityOf(all.managed)).toBe(0);
    expect(all.w.quantityOf(all.kept)).toBe(2);
    expect(all.w.quantityOf(all.unmanaged)).toBe(9); // H8 is billed to nobody: never touched
    expect(only(entries, 'CW20')).toMatchObject({ customer: 'AC', sku: 'B2' });
  });

  it('CW08: a missing addition is created with product id, quantity, Billable, period start and joined groupings', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    w.row('AC', 'ACME', 'C3', 2, 0, 'Mailboxes')
      .row('AC', 'ACME', 'C3', 1, 0, 'Shared mailboxes')
      .row('AC', 'ACME', 'C3', 1, 0, 'Mailboxes');
    const { entries } = await runWorld(w);
    expect(only(entries, 'CW08')).toMatchObject({
      level: 'Info',
      message: 'AC Contract Line Added : New Line added for Mailboxes; Shared mailboxes with Product ID C3',
    });
    const created = w.activeOn(agreement);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      product: { id: w.productId('C3') },
      quantity: 4,
      billCustomer: 'Billable',
      effectiveDate: `${w.period!.startDate}T00:00:00Z`,
      description: 'Mailboxes; Shared mailboxes',
    });
  });

  it('NewAdditionEffectiveDate RunDate uses the run clock at UTC midnight', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    w.row('AC', 'ACME', 'C3', 2, 0);
    await runWorld(w, { parameters: { NewAdditionEffectiveDate: 'RunDate' }, now: new Date('2026-11-27T23:30:00Z') });
    expect(w.activeOn(agreement)[0]!.effectiveDate).toBe('2026-11-27T00:00:00Z');
  });

  it('CW22: creation not allowed → warning, nothing written; q = 0 without addition → nothing above Verbose', async () => {
    const w = new World();
    w.agreement('ACME');
    w.row('AC', 'ACME', 'C3', 2, 0).row('AC', 'ACME', 'D4', 0, 0);
    const { result, entries, writes } = await runWorld(w, { parameters: { AllowAtriaCreateAdditions: 'False' } });
    expect(writes).toBe(0);
    expect(only(entries, 'CW22')).toMatchObject({
      level: 'Warning',
      // The vendor's words, then what would create it.
      message:
        'Contract Line Missing in ConnectWise : Skipped Line C3 licences with Product ID C3 for Customer AC Name as the SKU could not be located in ConnectWise (the agreement has no billable addition for it; with AllowAtriaCreateAdditions set to true the next run creates one with quantity 2)',
    });
    expect(entries.filter((e) => e.sku === 'D4')).toEqual([]);
    expect(result.status).toBe('CompletedWithWarnings');
  });

  it('CW04 once per customer without a Billing Identifier; CW05 per line without SKU; CW06 for unknown or inactive products', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const a1 = w.addition(agreement, 'A1', 1);
    w.row('NOID', '', 'A1', 3).row('NOID', '', 'B2', 3);
    w.row('AC', 'ACME', '', 3, 3, 'Unmapped service').row('AC', 'ACME', 'ZZ99', 2).row('AC', 'ACME', 'OLD9', 2).row('AC', 'ACME', 'A1', 1);
    const { entries, result } = await runWorld(w);
    expect(only(entries, 'CW04')).toMatchObject({
      level: 'Warning',
      customer: 'NOID',
      message:
        'NOID CompanyID Missing Unable to process records for Atria Customer NOID Name – Please add CompanyID from ConnectWise into Billing Identifier field on Customer',
    });
    expect(only(entries, 'CW05')).toMatchObject({
      level: 'Warning',
      message: 'AC SKU Missing in Atria : AC : Skipped Line Unmapped service for Customer AC Name as no SKU was provided',
    });
    expect(
      entriesWith(entries, 'CW06')
        .map((e) => e.sku)
        .sort(),
    ).toEqual(['OLD9', 'ZZ99']);
    expect(entriesWith(entries, 'CW06')[0]!.message).toMatch(
      /^AC Product Missing : Skipped Line .* with Product ID .* for Customer AC Name as the SKU could not be located in ConnectWise. Please add this product in ConnectWise portal$/,
    );
    expect(w.quantityOf(a1)).toBe(1);
    expect(result.status).toBe('CompletedWithWarnings');
  });

  it('CW14 once per customer: company unknown, agreement only of another type, cancelled or expired', async () => {
    const w = new World();
    w.company('NOAGR');
    w.agreement('OTHER', { type: 'Managed Services' });
    w.agreement('CANC', { cancelled: true });
    w.agreement('EXP', { status: 'Expired' });
    for (const [code, id] of [
      ['GH', 'GHOST'],
      ['NA', 'NOAGR'],
      ['OT', 'OTHER'],
      ['CA', 'CANC'],
      ['EX', 'EXP'],
    ] as const)
      w.row(code, id, 'A1', 1).row(code, id, 'B2', 1);
    const { entries, writes } = await runWorld(w);
    expect(writes).toBe(0);
    expect(
      entriesWith(entries, 'CW14')
        .map((e) => e.customer)
        .sort(),
    ).toEqual(['CA', 'EX', 'GH', 'NA', 'OT']);
    expect(entriesWith(entries, 'CW14').find((e) => e.customer === 'GH')!.message).toBe(
      'No Agreement exists for the customer GH Name. Check ConnectWise to see if the customer: GH Name with Id: GHOST and agreement type: Hosting and Cloud Services exists.',
    );
  });

  it('matches the company identifier case-insensitively', async () => {
    const w = new World();
    const agreement = w.agreement('AcMe');
    const a1 = w.addition(agreement, 'A1', 1);
    w.row('AC', 'acme', 'a1', 4);
    await runWorld(w);
    expect(w.quantityOf(a1)).toBe(4);
  });

  it('CW24: several agreements of the type → UseFirst takes the lowest id, Skip skips the customer', async () => {
    const build = () => {
      const w = new World();
      const first = w.agreement('ACME');
      const second = w.agreement('ACME');
      const onFirst = w.addition(first, 'A1', 1);
      const onSecond = w.addition(second, 'A1', 1);
      w.row('AC', 'ACME', 'A1', 3);
      return { w, first, second, onFirst, onSecond };
    };
    const use = build();
    const used = await runWorld(use.w, { parameters: { OnMultipleAgreements: 'UseFirst' } });
    expect(only(used.entries, 'CW24')).toMatchObject({
      level: 'Warning',
      message: `AC Several agreements of type Hosting and Cloud Services exist for company ACME (ids ${use.first}, ${use.second}): using agreement ${use.first} (lowest id)`,
    });
    expect([use.w.quantityOf(use.onFirst), use.w.quantityOf(use.onSecond)]).toEqual([3, 1]);

    const skip = build();
    const skipped = await runWorld(skip.w, { parameters: { OnMultipleAgreements: 'Skip' } });
    expect(only(skipped.entries, 'CW24').message).toContain('customer skipped');
    expect(skipped.writes).toBe(0);
  });

  it('CustomersFilter: case-insensitive, others untouched, CW25 for a code with no data', async () => {
    const w = new World();
    const acme = w.addition(w.agreement('ACME'), 'A1', 1);
    const beta = w.addition(w.agreement('BETA'), 'A1', 1);
    w.row('AC', 'ACME', 'A1', 5).row('BE', 'BETA', 'A1', 5);
    const { entries } = await runWorld(w, { parameters: { CustomersFilter: ['ac', 'NOPE'] } });
    expect([w.quantityOf(acme), w.quantityOf(beta)]).toEqual([5, 1]);
    expect(only(entries, 'CW25')).toMatchObject({
      level: 'Warning',
      customer: 'NOPE',
      message: `Customer NOPE named in CustomersFilter has no billing data in billing period ${w.period!.endDate}`,
    });
    const none = await runWorld(w, { parameters: { CustomersFilter: ['NOPE'] } });
    expect(only(none.entries, 'CW25').message).toBe(
      `Customer NOPE named in CustomersFilter has no billing data in billing period ${w.period!.endDate} — CustomersFilter matches no customer in this period, so nothing was processed`,
    );
  });

  it('CW26: two active additions for one product → skipped; additions cancelled on or before the effective date never count', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const d1 = w.addition(agreement, 'A1', 1);
    const d2 = w.addition(agreement, 'A1', 2);
    const live = w.addition(agreement, 'B2', 1);
    w.addition(agreement, 'B2', 7, { cancelledDate: `${w.period!.startDate}T00:00:00Z` });
    w.addition(agreement, 'B2', 8, { cancelledDate: '2025-03-01T00:00:00Z' });
    w.row('AC', 'ACME', 'A1', 9).row('AC', 'ACME', 'B2', 9);
    const { entries } = await runWorld(w);
    expect(only(entries, 'CW26')).toMatchObject({
      level: 'Warning',
      sku: 'A1',
      message: `AC Several active additions (ids ${d1}, ${d2}) with Product ID A1 on agreement ${agreement}: line A1 licences skipped, as writing to one would double-bill`,
    });
    expect([w.quantityOf(d1), w.quantityOf(d2), w.quantityOf(live)]).toEqual([1, 2, 9]);
  });

  it('CW28: a row with an invalid count leaves that customer SKU alone entirely', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const a1 = w.addition(agreement, 'A1', 10);
    const b2 = w.addition(agreement, 'B2', 1);
    w.row('AC', 'ACME', 'A1', 4, 4, 'Users')
      .row('AC', 'ACME', 'A1', -2, 1, 'Admins')
      .row('AC', 'ACME', 'B2', 2.5)
      .row('AC', 'ACME', 'C3', null);
    const { entries, writes } = await runWorld(w);
    expect(writes).toBe(0);
    expect([w.quantityOf(a1), w.quantityOf(b2)]).toEqual([10, 1]);
    expect(entriesWith(entries, 'CW28').map((e) => [e.sku, e.level])).toEqual([
      ['A1', 'Warning'],
      ['B2', 'Warning'],
      ['C3', 'Warning'],
    ]);
    expect(entriesWith(entries, 'CW28')[0]!.message).toBe(
      'AC Invalid This Month Count -2 for Product ID A1 on line Admins for Customer AC Name: this SKU was left unchanged for the customer',
    );
  });

  it('additions of products Atria does not bill are never touched', async () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const labour = w.addition(agreement, 'H8', 12);
    w.row('AC', 'ACME', 'A1', 1, 0);
    const { sandboxes } = await runWorld(w);
    expect(w.quantityOf(labour)).toBe(12);
    expect(sandboxes.connectWise.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
  });
});

describe('run-stopping conditions (spec 6.1, 6.2) write nothing and end Failed', () => {
  const simple = () => {
    const w = new World();
    const agreement = w.agreement('ACME');
    const a1 = w.addition(agreement, 'A1', 1);
    w.row('AC', 'ACME', 'A1', 5).row('AC', 'ACME', 'B2', 5, 0);
    return { w, a1 };
  };

  it('CW13: fewer rows than resultCount', async () => {
    const { w, a1 } = simple();
    const { result, entries, writes } = await runWorld(w, {}, { atria: { truncateRowsTo: 1 } });
    expect(result.status).toBe('Failed');
    expect(writes).toBe(0);
    expect(w.quantityOf(a1)).toBe(1);
    expect(only(entries, 'CW13')).toMatchObject({
      level: 'Error',
      message: 'Failed to Deserialize object: Error reported was: incomplete data from Atria: received 1 rows, resultCount is 2',
    });
    expect(entries.map((e) => e.code)).toEqual(['CW01', 'CW13', 'CW23']);
  });

  it('CW13: rows that disagree on resultCount', async () => {
    const { w } = simple();
    w.declaredResultCounts = [2, 3];
    const { result, entries, writes } = await runWorld(w);
    expect(writes).toBe(0);
    expect(result.status).toBe('Failed');
    expect(only(entries, 'CW13').message).toContain('rows disagree on resultCount');
  });

  const rowRequests = (run: WorldRun): number => run.sandboxes.atria.requests.filter((r) => r.path.startsWith('/api/billing/2')).length;

  it('CW13: Atria answers with JSON that cannot be read, each time it is asked (it may have been cut on the way)', async () => {
    const run = await runWorld(simple().w, {}, { atria: { garbleRows: true } });
    expect([run.result.status, run.writes]).toEqual(['Failed', 0]);
    expect(only(run.entries, 'CW13').message).toContain('not valid JSON');
    expect(rowRequests(run)).toBeGreaterThan(1);
  });

  it('CW13: JSON that is no list of rows is Atria’s answer: asked once, nothing written', async () => {
    const run = await runWorld(simple().w, {}, { atria: { rowsBody: '{"message": "export in progress"}' } });
    expect([run.result.status, run.writes, rowRequests(run)]).toEqual(['Failed', 0, 1]);
    expect(only(run.entries, 'CW13').message).toContain('expected a JSON array');
  });

  it('CW15: no rows for the period → warning, no writes, CompletedWithWarnings', async () => {
    const w = new World();
    w.agreement('ACME');
    const { result, entries } = await runWorld(w);
    expect(entries.map((e) => e.code)).toEqual(['CW01', 'CW15', 'CW23']);
    expect(result.plan).toEqual([]);
    expect(only(entries, 'CW15').message).toBe(`No records found in Atria for billing period ${w.period!.endDate}.`);
    expect(result.status).toBe('CompletedWithWarnings');
  });

  it('CW19: a date in no billing period, before CW01', async () => {
    const { w } = simple();
    const { result, entries, writes } = await runWorld(w, { parameters: { BillingPeriod: '2020-01-15' } });
    expect(writes).toBe(0);
    expect(entries.map((e) => [e.code, e.level])).toEqual([
      ['CW19', 'Error'],
      ['CW23', 'Info'],
    ]);
    expect(entries[0]!.message).toBe('Incorrect billing period date or format: no Atria billing period contains 2020-01-15');
    expect(result.status).toBe('Failed');
  });

  it('Current and a dated BillingPeriod pick the period containing the date', async () => {
    const { w, a1 } = simple();
    w.rows.length = 0;
    const { entries } = await runWorld(w, { parameters: { BillingPeriod: 'Current' } });
    expect(entries[0]!.message).toBe(`Billing Process Started : For Billing Period ${w.periods[3]!.endDate}`);
    const dated = await runWorld(w, { parameters: { BillingPeriod: w.periods[1]!.startDate } });
    expect(dated.entries[0]!.message).toBe(`Billing Process Started : For Billing Period ${w.periods[1]!.endDate}`);
    expect(w.quantityOf(a1)).toBe(1);
  });

  it('CW21: the agreement type does not exist', async () => {
    const { w } = simple();
    const { result, entries, writes } = await runWorld(w, { parameters: { AgreementType: 'Cloud and Hosting Services' } });
    expect(writes).toBe(0);
    expect(entries.map((e) => [e.code, e.level])).toEqual([
      ['CW21', 'Error'],
      ['CW23', 'Info'],
    ]);
    expect(entries[0]!.message).toBe(
      'Invalid agreement type. Please check agreement type in job parameters. No agreement type named Cloud and Hosting Services exists in ConnectWise. Agreement types in ConnectWise, closest first: Hosting and Cloud Services, Managed Services.',
    );
    expect(result.status).toBe('Failed');
    expect(result.plan).toEqual([]);
  });

  it('CW21 names the ten closest of many agreement types in its data too', async () => {
    const { w } = simple();
    for (let i = 0; i < 12; i++) w.state.agreementTypes.push({ id: 10 + i, name: `Block Time ${String.fromCharCode(65 + i)}` });
    const { entries } = await runWorld(w, { parameters: { AgreementType: 'Hosting and Cloud Service' } });
    const cw21 = only(entries, 'CW21');
    const named = cw21.message.split('closest first: ')[1]!.replace(/\.$/, '').split(', ');
    expect(named).toHaveLength(10);
    expect(named[0]).toBe('Hosting and Cloud Services');
    expect(cw21.data).toEqual({ agreementTypes: named });
  });

  it('CW02: ConnectWise refuses the credentials, with the status and its message', async () => {
    const { w } = simple();
    const secrets = {
      CompanyName: 'sandboxmsp',
      PublicKey: 'PubKeySandbox01',
      PrivateKey: 'WrongPrivate99',
      ClientId: '5c4a7c59-1d8e-4a52-9a0c-6f1e2d3b4a5c',
    };
    const { result, entries, writes } = await runWorld(w, { secrets });
    expect(writes).toBe(0);
    expect(entries.map((e) => [e.code, e.level])).toEqual([
      ['CW02', 'Error'],
      ['CW23', 'Info'],
    ]);
    expect(entries[0]!.message).toMatch(
      /^Failed to connect to Connectwise: Error reported was : GET \/system\/info: HTTP 401 — Unauthorized — Authentication failed/,
    );
    expect(result.status).toBe('Failed');
  });

  it('CW03: Atria refuses the token', async () => {
    const { w } = simple();
    const { result, entries, writes } = await runWorld(w, {}, { atria: { token: 'another-token' } });
    expect(writes).toBe(0);
    expect(entries.map((e) => [e.code, e.level])).toEqual([
      ['CW03', 'Error'],
      ['CW23', 'Info'],
    ]);
    expect(entries[0]!.message).toContain('HTTP 401');
    expect(result.status).toBe('Failed');
  });

  it('CW16/CW18 before anything: no request reaches ConnectWise', async () => {
    const { w } = simple();
    const run = await runWorld(w, { secrets: { CompanyName: 'x', PublicKey: '', PrivateKey: 'y', ClientId: 'nope' } });
    expect(run.entries.map((e) => e.code)).toEqual(['CW18', 'CW18', 'CW23']);
    expect(run.sandboxes.connectWise.requests).toHaveLength(0);
  });
});

describe('isolation: one customer failing does not stop the others', () => {
  it('CW10 when an agreement additions read fails; CW12 when a create is refused; the rest applied; CompletedWithErrors', async () => {
    const w = new World();
    const bad = w.agreement('BAD');
    const good = w.agreement('GOOD');
    const refuse = w.agreement('REFUSE');
    const goodA1 = w.addition(good, 'A1', 1);
    w.addition(bad, 'A1', 1);
    w.row('BA', 'BAD', 'A1', 5).row('GO', 'GOOD', 'A1', 5).row('RE', 'REFUSE', 'C3', 2, 0);
    const { result, entries } = await runWorld(
      w,
      {},
      {
        connectWise: {
          faults: {
            failRequests: [
              { method: 'GET', path: new RegExp(`^/finance/agreements/${bad}/additions$`), status: 500 },
              { method: 'POST', path: new RegExp(`^/finance/agreements/${refuse}/additions$`), status: 400 },
            ],
          },
        },
      },
    );
    expect(only(entries, 'CW10')).toMatchObject({ level: 'Error', customer: 'BA' });
    expect(only(entries, 'CW10').message).toContain('HTTP 500');
    expect(only(entries, 'CW12')).toMatchObject({ level: 'Error', customer: 'RE' });
    expect(only(entries, 'CW12').message).toMatch(/^RE Name Addition C3, Error Details POST .*HTTP 400 — InvalidObject/);
    expect(w.quantityOf(goodA1)).toBe(5);
    expect(result.status).toBe('CompletedWithErrors');
    expect(result.plan.find((p) => p.customer === 'RE')?.outcome).toBe('failed');
  });
});
