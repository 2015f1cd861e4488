import http from 'node:http';
import { networkInterfaces } from 'node:os';
import { ConditionsSyntaxError, evaluate, parseConditions } from '../../scripts/sandbox/conditions.js';
import { ConnectWiseSandbox, type ConnectWiseSandboxOptions } from '../../scripts/sandbox/connectwiseServer.js';
import { activeAdditionLines, type CwState } from '../../scripts/sandbox/cwState.js';
import { generateDataset, SANDBOX_CREDENTIALS } from '../../scripts/sandbox/generator.js';
import { AtriaSandbox } from '../../scripts/sandbox/atriaServer.js';
import { TEST_NOW } from '../support/harness.js';

const auth = `Basic ${Buffer.from(`${SANDBOX_CREDENTIALS.companyName}+${SANDBOX_CREDENTIALS.publicKey}:${SANDBOX_CREDENTIALS.privateKey}`).toString('base64')}`;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: () => unknown;
}

function request(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; query?: Record<string, string | number> } = {},
): Promise<Reply> {
  const url = new URL(base + path);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, String(v));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        headers: { authorization: auth, clientid: SANDBOX_CREDENTIALS.clientId, 'content-type': 'application/json', ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(JSON.stringify(options.body));
    req.end();
  });
}

const items = [
  {
    id: 1,
    name: 'Alpha "Quoted"',
    company: { identifier: 'ACME' },
    cancelledFlag: false,
    count: 5,
    date: '2026-01-10T00:00:00Z',
    note: null,
  },
  { id: 2, name: "Beta's", company: { identifier: 'beta' }, cancelledFlag: true, count: 10, date: '2026-03-01T00:00:00Z', note: 'x' },
  { id: 3, name: 'Gamma', company: { identifier: 'Gamma Co' }, cancelledFlag: false, count: 15, date: '2026-06-01T00:00:00Z', note: 'y' },
];
const ids = (conditions: string): number[] => items.filter((i) => evaluate(parseConditions(conditions), i)).map((i) => i.id);

describe('the conditions grammar', () => {
  it.each([
    ['count = 5', [1]],
    ['count != 5', [2, 3]],
    ['count < 10', [1]],
    ['count <= 10', [1, 2]],
    ['count > 10', [3]],
    ['count >= 10', [2, 3]],
    ['name like "g%"', [3]],
    ['name like "%a%"', [1, 2, 3]],
    ['name contains "ET"', [2]],
    ['company/identifier in ("acme","GAMMA CO")', [1, 3]],
    ['company/identifier not in ("acme")', [2, 3]],
    ['not cancelledFlag = true', [1, 3]],
    ['cancelledFlag=false', [1, 3]],
    ['note = null', [1]],
    ['note != null', [2, 3]],
    ['date > [2026-02-01T00:00:00Z]', [2, 3]],
    ['name = \'Alpha "Quoted"\'', [1]],
    ['name = "Beta\'s"', [2]],
    ['company/identifier = "ACME" or count = 15 and cancelledFlag = false', [1, 3]],
    ['(company/identifier = "ACME" or count = 10) and cancelledFlag = false', [1]],
    ['COUNT = 5 AND Name LIKE "alpha%"', [1]],
  ])('%s', (conditions, expected) => {
    expect(ids(conditions)).toEqual(expected);
  });

  it.each([
    'count =',
    'count == 5',
    'name = "open',
    '(count = 5',
    'count = 5)',
    'and count = 5',
    'count in 5',
    'count = 5 count = 6',
    'name ~ "x"',
    'date > [not a date]',
  ])('refuses %j', (conditions) => {
    expect(() => parseConditions(conditions)).toThrow(ConditionsSyntaxError);
  });
});

describe('the ConnectWise sandbox over HTTP', () => {
  let sandbox: ConnectWiseSandbox;
  let state: CwState;
  const start = async (options: Partial<ConnectWiseSandboxOptions> = {}) => {
    state = generateDataset({ customers: 60, skusPerCustomer: 3, now: TEST_NOW, seed: 3 }).state;
    sandbox = await ConnectWiseSandbox.start(state, { credentials: SANDBOX_CREDENTIALS, ...options });
  };
  afterEach(() => sandbox.close());

  it('pages with a default of 25, Link next/last, first/prev after page 1, and no Link when one page holds all', async () => {
    await start();
    const first = await request(sandbox.apiBase, 'GET', '/company/companies');
    expect((first.json() as unknown[]).length).toBe(25);
    expect(first.headers.link).toMatch(/page=2.*rel="next".*page=3.*rel="last"/);
    expect(first.headers.link).not.toContain('rel="prev"');
    const last = await request(sandbox.apiBase, 'GET', '/company/companies', { query: { page: 3 } });
    expect((last.json() as unknown[]).length).toBe(10);
    expect(last.headers.link).toMatch(/rel="first".*rel="prev"/);
    expect(last.headers.link).not.toContain('rel="next"');
    const all = await request(sandbox.apiBase, 'GET', '/company/companies', { query: { pageSize: 1000 } });
    expect((all.json() as unknown[]).length).toBe(60);
    expect(all.headers.link).toBeUndefined();
    expect((await request(sandbox.apiBase, 'GET', '/company/companies', { query: { pageSize: 1001 } })).status).toBe(400);
    const count = await request(sandbox.apiBase, 'GET', '/company/companies/count', {
      query: { conditions: 'identifier like "CUST0000%"' },
    });
    expect(count.json()).toEqual({ count: 9 });
  });

  it('filters with conditions, trims with fields, orders with orderBy; a syntax error is a 400', async () => {
    await start();
    const reply = await request(sandbox.apiBase, 'GET', '/finance/agreements', {
      query: {
        conditions: 'company/identifier in ("cust00001","CUST00002") and type/name="Hosting and Cloud Services"',
        fields: 'id,company/identifier',
        orderBy: 'id desc',
      },
    });
    const body = reply.json() as { id: number; company: { identifier: string }; name?: string }[];
    expect(body.map((a) => a.company.identifier)).toEqual(['CUST00002', 'CUST00001']);
    expect(Object.keys(body[0]!).sort()).toEqual(['company', 'id']);
    const bad = await request(sandbox.apiBase, 'GET', '/finance/agreements', { query: { conditions: 'company/identifier in ("x"' } });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'ApiFindCondition' });
  });

  it('refuses a wrong key or a missing clientId with a ConnectWise 401 body', async () => {
    await start();
    const wrongKey = await request(sandbox.apiBase, 'GET', '/system/info', { headers: { authorization: 'Basic d3Jvbmc6d3Jvbmc=' } });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.json()).toMatchObject({ code: 'Unauthorized', message: expect.any(String) });
    const noClient = await request(sandbox.apiBase, 'GET', '/system/info', { headers: { clientid: '' } });
    expect(noClient.status).toBe(401);
    expect((await request(sandbox.apiBase, 'GET', '/system/info')).status).toBe(200);
    expect((await request(sandbox.origin, 'GET', '/v2019_1/apis/3.0/system/info')).status).toBe(404);
  });

  it('validates POST, PATCH and PUT bodies against the published schemas (400 InvalidObject with errors[])', async () => {
    await start();
    const agreement = state.agreements[0]!.id;
    const missing = await request(sandbox.apiBase, 'POST', `/finance/agreements/${agreement}/additions`, { body: { quantity: 2 } });
    expect(missing.status).toBe(400);
    expect(missing.json()).toMatchObject({
      code: 'InvalidObject',
      errors: expect.arrayContaining([expect.objectContaining({ field: 'product' })]),
    });
    const wrongType = await request(sandbox.apiBase, 'POST', `/finance/agreements/${agreement}/additions`, {
      body: { product: { id: 5001 }, billCustomer: 'Sometimes' },
    });
    expect(wrongType.status).toBe(400);
    const created = await request(sandbox.apiBase, 'POST', `/finance/agreements/${agreement}/additions`, {
      body: { product: { id: 5001 }, billCustomer: 'Billable', quantity: 3, effectiveDate: '2026-10-26T00:00:00Z' },
    });
    expect(created.status).toBe(201);
    const id = (created.json() as { id: number }).id;
    const patched = await request(sandbox.apiBase, 'PATCH', `/finance/agreements/${agreement}/additions/${id}`, {
      body: [{ op: 'replace', path: 'quantity', value: 7 }],
    });
    expect([patched.status, (patched.json() as { quantity: number }).quantity]).toEqual([200, 7]);
    const badPatch = await request(sandbox.apiBase, 'PATCH', `/finance/agreements/${agreement}/additions/${id}`, {
      body: [{ op: 'replace', path: 'quantity', value: 'seven' }],
    });
    expect(badPatch.status).toBe(400);
    const notArray = await request(sandbox.apiBase, 'PATCH', `/finance/agreements/${agreement}/additions/${id}`, {
      body: { op: 'replace' },
    });
    expect(notArray.status).toBe(400);
    const put = await request(sandbox.apiBase, 'PUT', `/finance/agreements/${agreement}/additions/${id}`, {
      body: { product: { id: 5001 }, billCustomer: 'Billable', quantity: 9 },
    });
    expect((put.json() as { quantity: number }).quantity).toBe(9);
  });

  it("refuses an addition dated before its agreement's bill start (or start), in ConnectWise's error shape; prices from the catalog", async () => {
    await start();
    const agreement = state.agreements.find((a) => a.type.id === 1)!;
    agreement.billStartDate = '2026-11-10T00:00:00Z';
    const product = state.catalog[0]!;
    const body = (effectiveDate: string) => ({
      body: { product: { id: product.id }, billCustomer: 'Billable', quantity: 1, effectiveDate },
    });
    const early = await request(sandbox.apiBase, 'POST', `/finance/agreements/${agreement.id}/additions`, body('2026-11-09T00:00:00Z'));
    expect(early.status).toBe(400);
    expect(early.json()).toMatchObject({
      code: 'InvalidObject',
      message: expect.any(String),
      errors: [{ code: 'InvalidObject', resource: 'Addition', field: 'effectiveDate' }],
    });
    const onTime = await request(sandbox.apiBase, 'POST', `/finance/agreements/${agreement.id}/additions`, body('2026-11-10T00:00:00Z'));
    expect(onTime.status).toBe(201);
    expect((onTime.json() as { unitPrice: number }).unitPrice).toBe(product.price);
    agreement.billStartDate = undefined;
    agreement.startDate = '2026-12-01T00:00:00Z';
    expect(
      (await request(sandbox.apiBase, 'POST', `/finance/agreements/${agreement.id}/additions`, body('2026-11-30T00:00:00Z'))).status,
    ).toBe(400);
  });

  it('a late POST: applied after the client gave up, its response never sent; the retry is applied too', async () => {
    await start({ faults: { latePostApplyMs: 150 } });
    const agreement = state.agreements.find((a) => a.type.id === 1)!;
    const before = state.additions.length;
    const payload = {
      body: { product: { id: state.catalog[0]!.id }, billCustomer: 'Billable', quantity: 1, effectiveDate: '2026-10-26T00:00:00Z' },
    };
    const first = request(sandbox.apiBase, 'POST', `/finance/agreements/${agreement.id}/additions`, payload).catch(() => 'dropped');
    await new Promise((r) => setTimeout(r, 20));
    expect(state.additions.length).toBe(before);
    expect((await request(sandbox.apiBase, 'POST', `/finance/agreements/${agreement.id}/additions`, payload)).status).toBe(201);
    expect(await first).toBe('dropped');
    expect(state.additions.length).toBe(before + 2);
  });

  it('fault controls: 429 with Retry-After, 500s, dropped POST responses (applied), truncated JSON, a rate limit, a dead API — all seeded', async () => {
    await start({ seed: 9, faults: { rate429: 1, retryAfterSeconds: 7 } });
    const limited = await request(sandbox.apiBase, 'GET', '/system/info');
    expect([limited.status, limited.headers['retry-after']]).toEqual([429, '7']);
    sandbox.faults = { rate500: 1 };
    expect((await request(sandbox.apiBase, 'GET', '/system/info')).status).toBe(500);
    sandbox.faults = { truncateJson: 1 };
    const truncated = await request(sandbox.apiBase, 'GET', '/company/companies');
    expect(truncated.status).toBe(200);
    expect(() => truncated.json()).toThrow();
    sandbox.faults = { dropPostResponse: 1 };
    const agreement = state.agreements[0]!.id;
    const before = state.additions.length;
    await expect(
      request(sandbox.apiBase, 'POST', `/finance/agreements/${agreement}/additions`, {
        body: { product: { id: 5002 }, billCustomer: 'Billable', quantity: 1 },
      }),
    ).rejects.toThrow();
    expect(state.additions.length).toBe(before + 1);
    sandbox.faults = { alwaysStatus: 503 };
    expect((await request(sandbox.apiBase, 'GET', '/system/info')).status).toBe(503);
    sandbox.faults = {};
    sandbox.rateLimitPerSecond = 3;
    const burst = await Promise.all(Array.from({ length: 6 }, () => request(sandbox.apiBase, 'GET', '/system/info')));
    expect(burst.filter((r) => r.status === 429).length).toBe(3);
    expect(sandbox.requests.map((r) => r.fault).filter(Boolean)).toEqual([
      '429',
      '500',
      'truncated',
      'dropped',
      'rate-limit',
      'rate-limit',
      'rate-limit',
    ]);
  });

  it('adds the configured latency to every request', async () => {
    await start({ latencyMs: 120 });
    const started = Date.now();
    await Promise.all([request(sandbox.apiBase, 'GET', '/system/info'), request(sandbox.apiBase, 'GET', '/system/info')]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    sandbox.latencyMs = 0;
    const quick = Date.now();
    await request(sandbox.apiBase, 'GET', '/system/info');
    expect(Date.now() - quick).toBeLessThan(115);
  });

  it('the same seed gives the same faults', async () => {
    const pattern = async (): Promise<number[]> => {
      await start({ seed: 5, faults: { rate500: 0.5 } });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await request(sandbox.apiBase, 'GET', '/system/info')).status);
      await sandbox.close();
      return statuses;
    };
    const a = await pattern();
    const b = await pattern();
    expect(a).toEqual(b);
    expect(new Set(a)).toEqual(new Set([200, 500]));
    await start();
  });

  it('listens on loopback only', async () => {
    await start();
    expect(sandbox.boundAddress).toBe('127.0.0.1');
    const atria = await AtriaSandbox.start({ periods: [], rows: {} }, { token: 't' });
    expect(atria.boundAddress).toBe('127.0.0.1');
    await atria.close();
    const port = new URL(sandbox.origin).port;
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (!external) return; // no non-loopback interface on this machine: nothing else could reach it
    await expect(request(`http://${external.address}:${port}`, 'GET', '/v4_6_release/apis/3.0/system/info')).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});

describe('the Atria sandbox', () => {
  it('checks the Bearer token and serves periods and rows with resultCount', async () => {
    const dataset = generateDataset({ customers: 5, skusPerCustomer: 2, now: TEST_NOW });
    const atria = await AtriaSandbox.start(dataset.atria, { token: 't0k3n' });
    try {
      const denied = await fetch(`${atria.url}/api/billing/periods`);
      expect(denied.status).toBe(401);
      const periods = (await (await fetch(`${atria.url}/api/billing/periods`, { headers: { authorization: 'Bearer t0k3n' } })).json()) as {
        status: string;
      }[];
      expect(periods.map((p) => p.status)).toEqual(['Closed', 'Closed', 'Closed', 'Open']);
      const rows = (await (
        await fetch(`${atria.url}/api/billing/${dataset.period.endDate}?billableOnly=true`, { headers: { authorization: 'Bearer t0k3n' } })
      ).json()) as { resultCount: number }[];
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.resultCount))).toEqual(new Set([rows.length]));
    } finally {
      await atria.close();
    }
  });
});

describe('the data generator', () => {
  it('is deterministic, and applying its intended changes by hand reaches its expected end state', () => {
    const a = generateDataset({ customers: 120, skusPerCustomer: 6, now: TEST_NOW, seed: 21 });
    const b = generateDataset({ customers: 120, skusPerCustomer: 6, now: TEST_NOW, seed: 21 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.state.additions.filter((x) => x.billCustomer !== 'Billable').length).toBeGreaterThan(3);
    expect(a.summary.updates + a.summary.zeroes + a.summary.creates).toBeGreaterThan(50);

    // By hand, from the rows alone: sum per customer and SKU, then set each mapped agreement's additions.
    const state = structuredClone(a.state);
    const rows = a.atria.rows[a.period.endDate];
    const totals = new Map<string, { q: number; last: number }>();
    for (const r of rows!) {
      if (!r.customerAccountCode || !r.productSku) continue;
      const key = `${r.customerAccountCode}|${r.productSku}`;
      const t = totals.get(key) ?? { q: 0, last: 0 };
      totals.set(key, { q: t.q + Number(r.thisMonthCount), last: t.last + Number(r.lastMonthCount) });
    }
    let nextId = 900000;
    for (const [key, { q }] of totals) {
      const [identifier = '', sku = ''] = key.split('|');
      const product = state.catalog.find((c) => c.identifier === sku && !c.inactiveFlag);
      const agreement = state.agreements.find(
        (g) => g.company.identifier === identifier && g.type.name === a.agreementType && !g.cancelledFlag,
      );
      if (!product || !agreement) continue;
      const live = state.additions.filter((x) => x.agreementId === agreement.id && x.product.id === product.id && !x.cancelledDate);
      // Free (NoCharge/DoNotBill) lines stay as they are; the Billable one bills the rest.
      const free = live.filter((x) => x.billCustomer !== 'Billable').reduce((sum, x) => sum + x.quantity, 0);
      const existing = live.find((x) => x.billCustomer === 'Billable');
      if (existing) existing.quantity = Math.max(0, q - free);
      else if (q - free > 0)
        state.additions.push({
          id: nextId++,
          agreementId: agreement.id,
          product: { id: product.id, identifier: sku },
          quantity: q - free,
          billCustomer: 'Billable',
        });
    }
    expect(activeAdditionLines(state, a.period.startDate)).toEqual(a.expected);
    expect(activeAdditionLines(a.state, a.period.startDate)).not.toEqual(a.expected);
  });
});
