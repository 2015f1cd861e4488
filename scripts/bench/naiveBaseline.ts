/**
 * The naive baseline the public scripts follow: for every Atria line, one request at a time —
 * find the company, find its agreement, find the product, read the agreement's additions, then
 * write if the quantity differs. It uses plain fetch, as those scripts do.
 */
interface NaiveOptions {
  apiBase: string;
  atria: string;
  token: string;
  secrets: Record<string, string>;
  now: Date;
}

export async function runNaiveBaseline(options: NaiveOptions): Promise<Record<string, unknown>> {
  const { CompanyName, PublicKey, PrivateKey, ClientId } = options.secrets;
  const headers = {
    authorization: `Basic ${Buffer.from(`${CompanyName}+${PublicKey}:${PrivateKey}`).toString('base64')}`,
    clientid: ClientId ?? '',
    'content-type': 'application/json',
  };
  let requests = 0;
  const cw = async (method: string, path: string, query: Record<string, string> = {}, body?: unknown): Promise<unknown> => {
    requests++;
    const url = `${options.apiBase}${path}?${new URLSearchParams(query).toString()}`;
    const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return response.json();
  };
  const atria = async (path: string): Promise<unknown> =>
    (await fetch(options.atria + path, { headers: { authorization: `Bearer ${options.token}` } })).json();

  const periods = (await atria('/api/billing/periods')) as { endDate: string; status: string }[];
  const today = options.now.toISOString().slice(0, 10);
  const period = periods.filter((p) => p.status === 'Closed' && p.endDate < today).sort((a, b) => b.endDate.localeCompare(a.endDate))[0];
  const rows = (await atria(`/api/billing/${period!.endDate}?billableOnly=true`)) as {
    customerAccountCode: string;
    productSku: string;
    thisMonthCount: number;
  }[];
  const totals = new Map<string, number>();
  for (const row of rows)
    totals.set(
      `${row.customerAccountCode}|${row.productSku}`,
      (totals.get(`${row.customerAccountCode}|${row.productSku}`) ?? 0) + row.thisMonthCount,
    );
  let writes = 0;
  for (const [key, quantity] of totals) {
    const [identifier, sku] = key.split('|');
    if (!identifier || !sku) continue;
    const companies = (await cw('GET', '/company/companies', { conditions: `identifier="${identifier}"` })) as unknown[];
    if (companies.length === 0) continue;
    const agreements = (await cw('GET', '/finance/agreements', {
      conditions: `company/identifier="${identifier}" and type/name="Hosting and Cloud Services" and cancelledFlag=false`,
    })) as { id: number }[];
    if (agreements.length === 0) continue;
    const products = (await cw('GET', '/procurement/catalog', { conditions: `identifier="${sku}" and inactiveFlag=false` })) as {
      id: number;
    }[];
    if (products.length === 0) continue;
    const additions = (await cw('GET', `/finance/agreements/${agreements[0]!.id}/additions`, { pageSize: '1000' })) as {
      id: number;
      product: { id: number };
      quantity: number;
      cancelledDate?: string;
    }[];
    const existing = additions.find((a) => a.product.id === products[0]!.id && !a.cancelledDate);
    if (existing && existing.quantity !== quantity) {
      await cw('PATCH', `/finance/agreements/${agreements[0]!.id}/additions/${existing.id}`, {}, [
        { op: 'replace', path: 'quantity', value: quantity },
      ]);
      writes++;
    } else if (!existing && quantity > 0) {
      await cw(
        'POST',
        `/finance/agreements/${agreements[0]!.id}/additions`,
        {},
        { product: { id: products[0]!.id }, quantity, billCustomer: 'Billable' },
      );
      writes++;
    }
  }
  return { status: 'Done', requests: { requests }, writes };
}
