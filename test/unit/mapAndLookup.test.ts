// mapCustomers and lookupProducts against a gateway that answers exactly what each case needs:
// agreements listed out of id order, statuses left empty, identifiers typed with spaces, refused
// values, catalog items twice or unasked, and customers that share one agreement.
import type {
  AgreementSummary,
  CatalogItemSummary,
  ConnectWiseGateway,
  RefusedValue,
} from '../../src/gateways/connectwise/ConnectWiseGateway.js';
import { lookupProducts } from '../../src/pipeline/lookupProducts.js';
import { mapCustomers } from '../../src/pipeline/mapCustomers.js';
import type { CustomerBilling, MappedCustomer, SkuLine } from '../../src/pipeline/types.js';

const line = (sku: string, quantity: number, lastMonth: number | null, groupings = [`${sku} seats`]): SkuLine => ({
  sku,
  quantity,
  lastMonth,
  groupings,
});
const customer = (code: string, accountCode: string, lines: SkuLine[] = [], over: Partial<CustomerBilling> = {}): CustomerBilling => ({
  code,
  name: `${code} Ltd`,
  accountCode,
  lines: new Map(lines.map((l) => [l.sku.trim().toLowerCase(), l])),
  untouchableSkus: new Set(),
  linesWithoutSku: [],
  ...over,
});
const agreement = (id: number, companyIdentifier: string, over: Partial<AgreementSummary> = {}): AgreementSummary => ({
  id,
  name: `Agreement ${id}`,
  companyIdentifier,
  companyName: `${companyIdentifier} Inc`,
  cancelledFlag: false,
  agreementStatus: 'Active',
  ...over,
});

/** A gateway with only the reads these stages make, recording what was asked. */
function gatewayWith(answers: {
  agreements?: AgreementSummary[];
  refusedIdentifiers?: RefusedValue[];
  items?: CatalogItemSummary[];
  refusedSkus?: RefusedValue[];
}) {
  const asked: { identifiers?: readonly string[]; skus?: readonly string[] } = {};
  const gateway = {
    listAgreements: async (_type: string, identifiers: readonly string[]) => {
      asked.identifiers = identifiers;
      return { found: answers.agreements ?? [], refused: answers.refusedIdentifiers ?? [] };
    },
    findCatalogItems: async (skus: readonly string[]) => {
      asked.skus = skus;
      return { found: answers.items ?? [], refused: answers.refusedSkus ?? [] };
    },
  } as unknown as ConnectWiseGateway;
  return { gateway, asked };
}
const settings = { agreementType: 'Hosting', onMultipleAgreements: 'UseFirst' } as const;

describe('mapCustomers', () => {
  it('an agreement without a status counts as active; an inactive or cancelled one does not', async () => {
    const { gateway } = gatewayWith({
      agreements: [
        agreement(1, 'A', { agreementStatus: undefined }),
        agreement(2, 'B', { agreementStatus: '' }),
        agreement(3, 'C', { agreementStatus: 'Inactive' }),
        agreement(4, 'D', { cancelledFlag: true }),
      ],
    });
    const { mapped, entries } = await mapCustomers(
      ['A', 'B', 'C', 'D'].map((c) => customer(c.toLowerCase(), c)),
      gateway,
      settings,
    );
    expect(mapped.map((m) => [m.customer.code, m.agreement.id])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(entries.map((e) => [e.code, e.details.customer])).toEqual([
      ['CW14', 'c'],
      ['CW14', 'd'],
    ]);
  });

  it('a Billing Identifier typed with spaces is sent and matched without them', async () => {
    const { gateway, asked } = gatewayWith({ agreements: [agreement(5, 'ACME')] });
    const { mapped } = await mapCustomers([customer('ac', '  acme ')], gateway, settings);
    expect(asked.identifiers).toEqual(['acme']);
    expect(mapped.map((m) => m.agreement.id)).toEqual([5]);
  });

  it('a Billing Identifier of spaces is a missing one (CW04), never sent to ConnectWise', async () => {
    const { gateway, asked } = gatewayWith({ agreements: [agreement(5, 'ACME')] });
    const { mapped, entries } = await mapCustomers([customer('sp', '   '), customer('ac', 'ACME')], gateway, settings);
    expect(asked.identifiers).toEqual(['ACME']);
    expect(mapped.map((m) => m.customer.code)).toEqual(['ac']);
    expect(entries).toEqual([{ code: 'CW04', params: { customerCode: 'sp', customerName: 'sp Ltd' }, details: { customer: 'sp' } }]);
  });

  it('several agreements of the type: the lowest id is used whatever order ConnectWise lists them in (CW24 names all)', async () => {
    const { gateway } = gatewayWith({ agreements: [agreement(9, 'ACME'), agreement(3, 'ACME'), agreement(12, 'ACME')] });
    const { mapped, entries } = await mapCustomers([customer('ac', 'ACME')], gateway, settings);
    expect(mapped.map((m) => m.agreement.id)).toEqual([3]);
    expect(entries).toEqual([
      {
        code: 'CW24',
        params: {
          customerCode: 'ac',
          agreementType: 'Hosting',
          customerAccountCode: 'ACME',
          agreementIds: '3, 9, 12',
          decision: 'using agreement 3 (lowest id)',
        },
        details: { customer: 'ac', data: { agreementIds: [3, 9, 12] } },
      },
    ]);
  });

  it('no agreement because ConnectWise refused the identifier: CW14 says why', async () => {
    const { gateway } = gatewayWith({ refusedIdentifiers: [{ value: 'BAD"ID', reason: 'refused by ConnectWise in a query' }] });
    const { entries } = await mapCustomers([customer('bd', 'bad"id')], gateway, settings);
    expect(entries).toEqual([
      {
        code: 'CW14',
        params: { customerName: 'bd Ltd', customerAccountCode: 'bad"id', agreementType: 'Hosting' },
        details: {
          customer: 'bd',
          suffix: ' The Billing Identifier was refused by ConnectWise in a query.',
          data: { reason: 'refused by ConnectWise in a query' },
        },
      },
    ]);
  });

  it('customers on one agreement become one: codes and names joined, lines summed, last month unknown when either is, groupings once', async () => {
    const { gateway } = gatewayWith({ agreements: [agreement(7, 'ACME')] });
    const first = customer('a1', 'ACME', [line('X1', 2, 2, ['Users']), line('Y2', 1, null)], { linesWithoutSku: ['Misc A'] });
    const second = customer('a2', 'acme', [line('X1', 3, 1, ['Users', 'Admins']), line('Y2', 4, 4)], { linesWithoutSku: ['Misc B'] });
    const { mapped } = await mapCustomers([first, second], gateway, settings);
    expect(mapped).toHaveLength(1);
    const merged = mapped[0]!.customer;
    expect([merged.code, merged.name, merged.accountCode, merged.linesWithoutSku]).toEqual([
      'a1+a2',
      'a1 Ltd / a2 Ltd',
      'ACME',
      ['Misc A', 'Misc B'],
    ]);
    expect([...merged.lines.values()]).toEqual([line('X1', 5, 3, ['Users', 'Admins']), line('Y2', 5, null)]);
    // The first customer's own line is not changed by the merge.
    expect(first.lines.get('x1')).toEqual(line('X1', 2, 2, ['Users']));
    const reversed = await mapCustomers([second, first], gatewayWith({ agreements: [agreement(7, 'ACME')] }).gateway, settings);
    expect(reversed.mapped[0]!.customer.lines.get('y2')!.lastMonth).toBeNull();
  });
});

describe('lookupProducts', () => {
  const mappedWith = (...lines: SkuLine[]): MappedCustomer[] => [
    { customer: customer('ac', 'ACME', lines), agreement: agreement(1, 'ACME') },
  ];
  const item = (id: number, identifier: string): CatalogItemSummary => ({ id, identifier, description: `Product ${identifier}` });

  it('two active items with one identifier: the lowest id wins in either order; an item nobody asked for is not taken', async () => {
    for (const items of [
      [item(8, 'X1'), item(4, 'x1'), item(6, 'X1')],
      [item(4, 'X1'), item(8, 'X1')],
    ]) {
      const { gateway } = gatewayWith({ items: [...items, item(2, 'Z9')] });
      const { catalog, entries } = await lookupProducts(mappedWith(line('X1', 1, 1)), new Map(), gateway);
      expect([...catalog.entries()].map(([key, found]) => [key, found.id])).toEqual([['x1', 4]]);
      expect(entries).toEqual([]);
    }
  });

  it("asks once for the customers' SKUs and the managed ones; a SKU not found is CW06 with its groupings, and why when refused", async () => {
    const { gateway, asked } = gatewayWith({
      items: [item(1, 'X1')],
      refusedSkus: [{ value: 'Q"Q', reason: 'refused by ConnectWise in a query' }],
    });
    const { entries } = await lookupProducts(
      mappedWith(line('X1', 1, 1), line('Q"Q', 2, 2, ['Users', 'Admins']), line('N0', 1, 1)),
      new Map([['m1', 'M1']]),
      gateway,
    );
    expect(asked.skus).toEqual(['M1', 'X1', 'Q"Q', 'N0']);
    expect(entries).toEqual([
      {
        code: 'CW06',
        params: { customerCode: 'ac', customerName: 'ac Ltd', lineDescription: 'Users; Admins', sku: 'Q"Q' },
        details: {
          customer: 'ac',
          sku: 'Q"Q',
          suffix: ' The SKU was refused by ConnectWise in a query.',
          data: { reason: 'refused by ConnectWise in a query' },
        },
      },
      {
        code: 'CW06',
        params: { customerCode: 'ac', customerName: 'ac Ltd', lineDescription: 'N0 seats', sku: 'N0' },
        details: { customer: 'ac', sku: 'N0', suffix: undefined, data: undefined },
      },
    ]);
  });

  it('a line without a SKU is CW05 naming its grouping', async () => {
    const mapped: MappedCustomer[] = [
      { customer: customer('ac', 'ACME', [], { linesWithoutSku: ['Backup'] }), agreement: agreement(1, 'ACME') },
    ];
    const { entries } = await lookupProducts(mapped, new Map(), gatewayWith({}).gateway);
    expect(entries).toEqual([
      { code: 'CW05', params: { customerCode: 'ac', customerName: 'ac Ltd', lineDescription: 'Backup' }, details: { customer: 'ac' } },
    ]);
  });
});
