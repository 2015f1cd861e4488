import { and, chunkInConditions, equals, inList, isQueryable } from './conditions.js';
import type { AdditionSummary, AgreementSummary, CatalogItemSummary, ConnectWiseGateway, NewAddition } from './ConnectWiseGateway.js';
import { ConnectWiseError } from './errors.js';
import type { ConnectWiseHttpClient, HttpResponse } from './httpClient.js';
import type { RequestStats } from './requestStats.js';

const PAGE_SIZE = 1000;
const MAX_URL_LENGTH = 2000;
/** A POST whose outcome was lost is retried (after a re-read) up to 5 times, like any request. */
const CREATE_ATTEMPTS = 6;

const AGREEMENT_FIELDS = 'id,name,company/identifier,company/name,cancelledFlag,agreementStatus';
const CATALOG_FIELDS = 'id,identifier,description';
const ADDITION_FIELDS = 'id,product/id,product/identifier,quantity,description,cancelledDate';

type Params = Record<string, string | number>;

/** ConnectWise Manage 3.0 over the HTTP client: bulk reads with paging, safe conditions, writes. */
export class HttpConnectWiseGateway implements ConnectWiseGateway {
  constructor(private readonly client: ConnectWiseHttpClient) {}

  get stats(): RequestStats {
    return this.client.stats;
  }

  async findAgreementType(name: string): Promise<{ id: number; name: string } | undefined> {
    if (!isQueryable(name)) return undefined;
    const types = await this.getAll('/finance/agreements/types', { conditions: equals('name', name), fields: 'id,name' });
    const match = types.find((t) => String((t as { name?: string }).name).toLowerCase() === name.toLowerCase()) as { id: number; name: string } | undefined;
    return match && { id: match.id, name: match.name };
  }

  async listAgreements(typeName: string, companyIdentifiers: readonly string[]): Promise<AgreementSummary[]> {
    const identifiers = [...new Set(companyIdentifiers.filter(isQueryable))];
    if (identifiers.length === 0) return [];
    const ofType = and(equals('type/name', typeName), 'cancelledFlag=false');
    const chunks = this.chunk('/finance/agreements', identifiers, (ids) => and(inList('company/identifier', ids), ofType), AGREEMENT_FIELDS);
    let raw: unknown[];
    const pages = chunks.length > 1 ? await this.pagesOfType(ofType) : Number.POSITIVE_INFINITY;
    if (pages < chunks.length) {
      // One scan of the whole type is fewer requests than the identifier lists; its page count is
      // known, so the pages are read side by side.
      const wanted = new Set(identifiers.map((i) => i.toLowerCase()));
      const params = { conditions: ofType, fields: AGREEMENT_FIELDS, orderBy: 'id asc', pageSize: PAGE_SIZE };
      const pageBodies = await Promise.all(Array.from({ length: pages }, (_, i) => this.getPage('/finance/agreements', { ...params, page: i + 1 })));
      raw = pageBodies.flatMap((page) => page.items).filter((a) =>
        wanted.has(String((a as { company?: { identifier?: string } }).company?.identifier ?? '').toLowerCase()),
      );
      // Agreements created between the count and the scan would sit on a further page.
      if (pageBodies[pageBodies.length - 1].hasNext) raw.push(...(await this.getAll('/finance/agreements', params, pages + 1)));
    } else {
      raw = (await Promise.all(chunks.map((conditions) => this.getAll('/finance/agreements', { conditions, fields: AGREEMENT_FIELDS, orderBy: 'id asc' })))).flat();
    }
    return raw.map(toAgreement);
  }

  async findCatalogItems(identifiers: readonly string[]): Promise<CatalogItemSummary[]> {
    const skus = [...new Set(identifiers.filter(isQueryable))];
    if (skus.length === 0) return [];
    const chunks = this.chunk('/procurement/catalog', skus, (ids) => and(inList('identifier', ids), 'inactiveFlag=false'), CATALOG_FIELDS);
    const raw = (await Promise.all(chunks.map((conditions) => this.getAll('/procurement/catalog', { conditions, fields: CATALOG_FIELDS })))).flat();
    return raw.map(toCatalogItem);
  }

  async listAdditions(agreementId: number): Promise<AdditionSummary[]> {
    return (await this.getAll(`/finance/agreements/${agreementId}/additions`, { fields: ADDITION_FIELDS })).map(toAddition);
  }

  async updateAdditionQuantity(agreementId: number, additionId: number, quantity: number): Promise<void> {
    await this.client.request('PATCH', `/finance/agreements/${agreementId}/additions/${additionId}`, {
      json: [{ op: 'replace', path: 'quantity', value: quantity }],
      idempotent: true,
    });
  }

  async createAddition(agreementId: number, addition: NewAddition): Promise<AdditionSummary> {
    const body = {
      product: { id: addition.productId },
      quantity: addition.quantity,
      billCustomer: 'Billable',
      effectiveDate: addition.effectiveDate,
      description: addition.description,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.client.request('POST', `/finance/agreements/${agreementId}/additions`, { json: body, idempotent: false });
        return toAddition(response.body);
      } catch (error) {
        if (!(error instanceof ConnectWiseError) || !error.outcomeUnknown) throw error;
        // The POST may have landed: only a fresh read of the agreement can say so.
        const landed = (await this.listAdditions(agreementId)).find((a) => a.productId === addition.productId && !a.cancelledDate);
        if (landed) return landed;
        if (attempt >= CREATE_ATTEMPTS) {
          this.client.stats.gaveUp++;
          throw error;
        }
        this.client.stats.retries++;
      }
    }
  }

  private chunk(path: string, values: readonly string[], build: (values: readonly string[]) => string, fields: string): string[] {
    const urlLength = (conditions: string): number =>
      this.client.urlLength(path, { conditions, fields, orderBy: 'id asc', page: 99999, pageSize: PAGE_SIZE });
    return chunkInConditions(values, build, urlLength, MAX_URL_LENGTH).map(build);
  }

  private async pagesOfType(conditions: string): Promise<number> {
    const response = await this.client.request('GET', '/finance/agreements/count', { searchParams: { conditions }, idempotent: true });
    const count = Number((response.body as { count?: unknown } | undefined)?.count);
    return Number.isFinite(count) ? Math.max(1, Math.ceil(count / PAGE_SIZE)) : Number.POSITIVE_INFINITY;
  }

  /** Every page of a list from `firstPage` on, following the Link header's rel="next" (absent when one page holds all). */
  private async getAll(path: string, params: Params, firstPage = 1): Promise<unknown[]> {
    const items: unknown[] = [];
    for (let page = firstPage; ; page++) {
      const { items: pageItems, hasNext } = await this.getPage(path, { ...params, page, pageSize: PAGE_SIZE });
      items.push(...pageItems);
      if (!hasNext) return items;
    }
  }

  private async getPage(path: string, params: Params): Promise<{ items: unknown[]; hasNext: boolean }> {
    const response = await this.client.request('GET', path, { searchParams: params, idempotent: true });
    if (!Array.isArray(response.body)) throw new ConnectWiseError('unreadable', 'GET', path, 'expected a JSON array');
    return { items: response.body, hasNext: hasNextPage(response) };
  }
}

function hasNextPage(response: HttpResponse): boolean {
  const link = response.headers.link;
  const text = Array.isArray(link) ? link.join(',') : (link ?? '');
  return /rel="?next"?/i.test(text);
}

type Raw = Record<string, unknown>;
const ref = (value: unknown): Raw => (value && typeof value === 'object' ? (value as Raw) : {});
const str = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

function toAgreement(raw: unknown): AgreementSummary {
  const a = ref(raw);
  return {
    id: Number(a.id),
    name: str(a.name),
    companyIdentifier: str(ref(a.company).identifier),
    companyName: str(ref(a.company).name),
    cancelledFlag: a.cancelledFlag === true,
    agreementStatus: a.agreementStatus === undefined || a.agreementStatus === null ? undefined : str(a.agreementStatus),
  };
}

function toCatalogItem(raw: unknown): CatalogItemSummary {
  const c = ref(raw);
  return { id: Number(c.id), identifier: str(c.identifier), description: str(c.description) };
}

function toAddition(raw: unknown): AdditionSummary {
  const a = ref(raw);
  const product = ref(a.product);
  return {
    id: Number(a.id),
    productId: Number(product.id),
    productIdentifier: str(product.identifier),
    quantity: Number(a.quantity ?? 0),
    description: str(a.description),
    cancelledDate: a.cancelledDate ? str(a.cancelledDate) : undefined,
  };
}
