import { ConnectWiseSandbox } from '../../scripts/sandbox/connectwiseServer.js';
import { generateDataset, SANDBOX_CREDENTIALS } from '../../scripts/sandbox/generator.js';
import { CONNECTWISE_ACCEPT } from '../../src/gateways/connectwise/httpClient.js';
import { only, TEST_NOW } from '../support/harness.js';
import { runWorld, World } from '../support/world.js';

/**
 * The sandbox is as strict as ConnectWise where ConnectWise is strict (spec 8): conditions checked
 * against the published schemas, Link headers and forward-only paging as ConnectWise writes them,
 * full objects with _info, JSON Patch, the version gate, and the login page's company info.
 */
const auth = `Basic ${Buffer.from(`${SANDBOX_CREDENTIALS.companyName}+${SANDBOX_CREDENTIALS.publicKey}:${SANDBOX_CREDENTIALS.privateKey}`).toString('base64')}`;

let sandbox: ConnectWiseSandbox;
beforeAll(async () => {
  const dataset = generateDataset({ customers: 60, skusPerCustomer: 3, seed: 5, now: TEST_NOW });
  sandbox = await ConnectWiseSandbox.start(dataset.state, { credentials: dataset.credentials });
});
afterAll(() => sandbox.close());

async function get(
  path: string,
  query: Record<string, string | number> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; link: string | null; type: string | null }> {
  const url = new URL(sandbox.apiBase + path);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
  const response = await fetch(url, {
    headers: { authorization: auth, clientid: SANDBOX_CREDENTIALS.clientId, accept: CONNECTWISE_ACCEPT, ...headers },
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as unknown) : undefined,
    link: response.headers.get('link'),
    type: response.headers.get('content-type'),
  };
}

describe('conditions are checked as ConnectWise checks them', () => {
  it.each([
    ['an unknown field', 'typeids=5', 'typeids is not a recognized name.'],
    ['a nested field that does not exist', 'company/idnetifier="X"', 'company/idnetifier is not a recognized name.'],
    ['a boolean compared with a number', 'cancelledFlag=1', 'Expected a boolean value, not a numeric.'],
    ['a string field compared with a boolean', 'name=true', 'Expected a string value, not a boolean.'],
    ['an enum value that does not exist', 'agreementStatus="Bogus"', 'Enum value supplied was invalid'],
    ['a reference compared as a whole', 'company="X"', 'company is not a recognized name.'],
  ])('%s → 400 ApiFindCondition', async (_what, conditions, message) => {
    expect(await get('/finance/agreements', { conditions })).toMatchObject({ status: 400, body: { code: 'ApiFindCondition', message } });
  });

  it('childConditions and customFieldConditions are refused, never ignored', async () => {
    for (const name of ['childConditions', 'customFieldConditions']) {
      expect(await get('/company/companies', { [name]: 'types/name="Client"' })).toMatchObject({
        status: 400,
        body: { code: 'ApiFindCondition' },
      });
    }
  });

  it('valid conditions of each kind still select', async () => {
    const { status, body } = await get('/finance/agreements', {
      conditions: 'cancelledFlag=false and agreementStatus="Active" and company/identifier like "CUST0000%"',
      pageSize: 1000,
    });
    expect(status).toBe(200);
    expect((body as unknown[]).length).toBeGreaterThan(3);
  });
});

describe('paging', () => {
  it('Link as ConnectWise writes it: page last in each link', async () => {
    const { link } = await get('/company/companies', { pageSize: 10, page: 2, conditions: 'identifier like "CUST%"' });
    const links = link!.split(', ');
    expect(links.map((l) => /rel="(\w+)"/.exec(l)![1])).toEqual(['first', 'prev', 'next', 'last']);
    for (const l of links) expect(l).toMatch(/\?conditions=[^>]*&pageSize=10&page=\d+>; rel=/);
  });

  it('forward-only: pages by pageId (records with id above it) and gives only a next link', async () => {
    const seen: number[] = [];
    let pageId = 0;
    for (let i = 0; i < 20; i++) {
      const { body, link } = await get(
        '/company/companies',
        { pageSize: 25, ...(pageId ? { pageId } : {}) },
        { 'pagination-type': 'forward-only' },
      );
      const ids = (body as { id: number }[]).map((c) => c.id);
      seen.push(...ids);
      if (!link) break;
      expect(link).not.toMatch(/rel="(first|prev|last)"/);
      pageId = Number(/pageId=(\d+)>; rel="next"/.exec(link)![1]);
      expect(pageId).toBe(ids[ids.length - 1]);
    }
    expect(seen).toEqual([...Array(60).keys()].map((i) => i + 1));
  });
});

describe('objects as ConnectWise serves them', () => {
  it('agreement types carry every field the schema requires, and every object its _info', async () => {
    const { body } = await get('/finance/agreements/types');
    for (const type of body as Record<string, unknown>[]) {
      for (const field of [
        'name',
        'employeeCompRate',
        'employeeCompNotExceed',
        'invoicingCycle',
        'billTime',
        'billExpenses',
        'billProducts',
        '_info',
      ])
        expect(type).toHaveProperty(field);
    }
    const [agreement] = (await get('/finance/agreements', { pageSize: 1 })).body as Record<string, Record<string, unknown>>[];
    expect(agreement!._info).toMatchObject({ lastUpdated: expect.any(String) });
    expect(agreement!.company!._info).toMatchObject({ company_href: expect.stringContaining('/company/companies/') });
  });

  it('the sample data has DoNotBill and NoCharge lines, lessIncluded, and agreements with an end date', () => {
    const { state } = generateDataset({ customers: 200, skusPerCustomer: 5, seed: 42, now: TEST_NOW });
    expect(state.additions.some((a) => a.billCustomer === 'DoNotBill')).toBe(true);
    expect(state.additions.some((a) => a.billCustomer === 'NoCharge')).toBe(true);
    expect(state.additions.some((a) => typeof a.lessIncluded === 'number' && a.lessIncluded > 0)).toBe(true);
    expect(state.agreements.some((a) => a.endDate && a.noEndingDateFlag === false)).toBe(true);
  });
});

describe('JSON Patch', () => {
  const patch = async (
    agreementId: number,
    additionId: number,
    operations: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${sandbox.apiBase}/finance/agreements/${agreementId}/additions/${additionId}`, {
      method: 'PATCH',
      headers: { authorization: auth, clientid: SANDBOX_CREDENTIALS.clientId, 'content-type': 'application/json' },
      body: JSON.stringify(operations),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('replace, add and remove apply; a path the addition does not have is refused', async () => {
    const addition = sandbox.state.additions.find((a) => a.billCustomer === 'Billable')!;
    expect((await patch(addition.agreementId, addition.id, [{ op: 'replace', path: 'quantity', value: 7 }])).body.quantity).toBe(7);
    expect((await patch(addition.agreementId, addition.id, [{ op: 'add', path: '/lessIncluded', value: 2 }])).body.lessIncluded).toBe(2);
    expect((await patch(addition.agreementId, addition.id, [{ op: 'remove', path: 'lessIncluded' }])).body).not.toHaveProperty(
      'lessIncluded',
    );
    for (const path of ['quantityy', 'product/nonsense', '']) {
      expect(await patch(addition.agreementId, addition.id, [{ op: 'replace', path, value: 1 }])).toMatchObject({
        status: 400,
        body: { code: 'InvalidObject' },
      });
    }
    expect((await patch(addition.agreementId, addition.id, [{ op: 'remove', path: 'billCustomer' }])).status).toBe(400);
  });
});

describe('versions and the login page', () => {
  it('/system/info names the version; an Accept version newer than the server is refused; companyinfo needs no sign-in', async () => {
    const old = await ConnectWiseSandbox.start(sandbox.state, { credentials: SANDBOX_CREDENTIALS, serverVersion: '2024.1' });
    try {
      const url = `${old.apiBase}/finance/agreements/types`;
      const refused = await fetch(url, {
        headers: { authorization: auth, clientid: SANDBOX_CREDENTIALS.clientId, accept: CONNECTWISE_ACCEPT },
      });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ message: expect.stringContaining('does not support the API version 2025.8') });
      const info = await fetch(`${old.apiBase}/system/info`, {
        headers: { authorization: auth, clientid: SANDBOX_CREDENTIALS.clientId, accept: 'application/json' },
      });
      expect(await info.json()).toMatchObject({ version: 'v2024.1.1' });
      const company = await fetch(`${old.origin}/login/companyinfo/sandboxmsp`);
      expect(await company.json()).toMatchObject({ CompanyName: 'sandboxmsp', Codebase: 'v4_6_release/', VersionCode: 'v2024.1' });
    } finally {
      await old.close();
    }
  });

  it('a run against a server older than the API version asked for: CW02 naming both versions, nothing else read', async () => {
    const w = new World();
    w.addition(w.agreement('ACME'), 'A1', 1);
    w.row('AC', 'ACME', 'A1', 2, 1);
    const { result, entries, sandboxes } = await runWorld(w, {}, { connectWise: { serverVersion: '2024.1' } });
    expect(only(entries, 'CW02').message).toContain(
      'ConnectWise runs version v2024.1.1, which does not support the API version 2025.8 this extension asks for',
    );
    expect(sandboxes.connectWise.requests.map((r) => r.path)).toEqual(['/system/info']);
    expect(result.status).toBe('Failed');
  });

  it('a 429 with an HTML body from an edge proxy is waited out and retried like any 429', async () => {
    const w = new World();
    const a1 = w.addition(w.agreement('ACME'), 'A1', 1);
    w.row('AC', 'ACME', 'A1', 2, 1);
    const { result, sandboxes } = await runWorld(
      w,
      {},
      { connectWise: { faults: { html429: true, failRequests: [{ method: 'PATCH', path: /additions\/\d+$/, status: 429, times: 1 }] } } },
    );
    expect(sandboxes.connectWise.requests.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([429, 200]);
    expect(w.quantityOf(a1)).toBe(2);
    expect(result.status).toBe('Success');
  });
});

describe('a condition error on a batched lookup is a defect of the query, not of a value (spec 8)', () => {
  it("CW02 with ConnectWise's message; the batch is not split into single values", async () => {
    const w = new World();
    for (const id of ['ACME', 'BETA', 'CORP', 'DELT']) {
      w.addition(w.agreement(id), 'A1', 1);
      w.row(id.slice(0, 2), id, 'A1', 2, 1);
    }
    const faults = {
      failRequests: [
        {
          method: 'GET',
          path: /^\/finance\/agreements$/,
          status: 400,
          code: 'ApiFindCondition',
          message: 'company/identifer is not a recognized name.',
        },
      ],
    };
    const { result, entries, writes, sandboxes } = await runWorld(w, {}, { connectWise: { faults } });
    expect(only(entries, 'CW02').message).toContain('ApiFindCondition — company/identifer is not a recognized name.');
    expect(sandboxes.connectWise.requests.filter((r) => r.path === '/finance/agreements')).toHaveLength(1);
    expect(writes).toBe(0);
    expect(result.status).toBe('Failed');
  });
});
