import { ManageAPI } from 'connectwise-rest';
import { ConnectWiseSandbox } from '../../scripts/sandbox/connectwiseServer.js';
import { generateDataset } from '../../scripts/sandbox/generator.js';
import { TEST_NOW } from '../support/harness.js';

/**
 * The sandbox driven by a ConnectWise client we did not write (connectwise-rest, generated from
 * ConnectWise's own schema): its reading of the API (its Accept header, its paging by page size,
 * its JSON Patch, its conditions) must work against the sandbox as against ConnectWise. The one
 * change: the client only speaks https to a cloud host, so its base URL is pointed at loopback.
 */
let sandbox: ConnectWiseSandbox;
let cwm: InstanceType<typeof ManageAPI>;

beforeAll(async () => {
  const dataset = generateDataset({ customers: 2345, skusPerCustomer: 1, seed: 9, now: TEST_NOW });
  sandbox = await ConnectWiseSandbox.start(dataset.state, { credentials: dataset.credentials });
  const { companyName, publicKey, privateKey, clientId } = dataset.credentials;
  cwm = new ManageAPI({
    companyId: companyName,
    publicKey,
    privateKey,
    clientId,
    companyUrl: new URL(sandbox.origin).host,
    entryPoint: 'v4_6_release',
    logger: () => undefined,
  });
  // Each API group is a client of its own: point every one at the sandbox.
  type Pointed = { instance?: { defaults: { baseURL: string } } };
  for (const client of [cwm, ...Object.values(cwm)] as Pointed[]) if (client?.instance) client.instance.defaults.baseURL = sandbox.apiBase;
});
afterAll(() => sandbox.close());

describe('connectwise-rest against the sandbox', () => {
  it('pages through every company (2,345 over three pages of 1,000)', async () => {
    const companies = (await cwm.paginate(cwm.CompanyAPI.getCompanyCompanies, { startPage: 1, pageSize: 1000 }, { orderBy: 'id asc' })) as {
      id: number;
      identifier: string;
    }[];
    expect(companies).toHaveLength(2345);
    expect(new Set(companies.map((c) => c.id)).size).toBe(2345);
    expect(sandbox.requests.filter((r) => r.path === '/company/companies').map((r) => r.query.page)).toEqual(['1', '2', '3']);
  });

  it('reads agreements with conditions, and is refused (400 ApiFindCondition) on an unknown field', async () => {
    const agreements = (await cwm.FinanceAPI.getFinanceAgreements({
      conditions: 'company/identifier in ("CUST00001","CUST00002") and cancelledFlag=false',
      pageSize: 1000,
    })) as { company: { identifier: string } }[];
    expect(agreements.map((a) => a.company.identifier).sort()).toEqual(['CUST00001', 'CUST00002']);
    await expect(cwm.FinanceAPI.getFinanceAgreements({ conditions: 'typeids=5' })).rejects.toMatchObject({
      status: 400,
      data: { code: 'ApiFindCondition', message: 'typeids is not a recognized name.' },
    });
  });

  it("reads the agreement types (full objects) and an agreement's additions, and PATCHes a quantity", async () => {
    const types = (await cwm.FinanceAPI.getFinanceAgreementsTypes({ conditions: 'name="Hosting and Cloud Services"' })) as {
      name: string;
      billProducts: string;
    }[];
    expect(types).toMatchObject([{ name: 'Hosting and Cloud Services', billProducts: expect.any(String) }]);
    const addition = sandbox.state.additions.find((a) => a.billCustomer === 'Billable')!;
    const read = (await cwm.FinanceAPI.getFinanceAgreementsByParentIdAdditions(addition.agreementId, {})) as {
      id: number;
      billCustomer: string;
    }[];
    expect(read.map((a) => a.id)).toContain(addition.id);
    // The generated type says a patch value is an object (as ConnectWise's schema does); the API takes a number.
    const patched = (await cwm.FinanceAPI.patchFinanceAgreementsByParentIdAdditionsById(addition.id, addition.agreementId, [
      { op: 'replace', path: 'quantity', value: 42 as unknown as Record<string, unknown> },
    ])) as { quantity: number };
    expect(patched.quantity).toBe(42);
    expect(sandbox.state.additions.find((a) => a.id === addition.id)!.quantity).toBe(42);
  });
});
