import { halves, type NonEmpty } from '../../util/nonEmpty.js';
import { createInterner } from '../../util/intern.js';
import { and, chunkInConditions, equals, inList, isQueryable, whyNotQueryable } from './conditions.js';
import type {
  AdditionSummary,
  AgreementSummary,
  CatalogItemSummary,
  ConnectWiseGateway,
  Lookup,
  NewAddition,
  RefusedValue,
} from './ConnectWiseGateway.js';
import { ConnectWiseError } from './errors.js';
import type { ConnectWiseHttpClient, HttpResponse } from './httpClient.js';
import type { RequestStats } from './requestStats.js';

const PAGE_SIZE = 1000;
const MAX_URL_LENGTH = 2000;
/** The longest wait for a timed-out create to land before the end-of-run check looks for it. */
const MAX_SETTLE_MS = 15_000;

// Prices and names ride on reads the run makes anyway: money on every plan line costs no request.
const AGREEMENT_FIELDS =
  'id,name,company/identifier,company/name,cancelledFlag,agreementStatus,billStartDate,startDate,currency/currencyCode';
const CATALOG_FIELDS = 'id,identifier,description,price';
const ADDITION_FIELDS = 'id,product/id,product/identifier,quantity,description,cancelledDate,billCustomer,unitPrice';

type Params = Record<string, string | number>;

/** ConnectWise Manage 3.0 over the HTTP client: bulk reads with paging, safe conditions, writes. */
export class HttpConnectWiseGateway implements ConnectWiseGateway {
  private lateWriteWindowMs = 0;

  /** Thousands of agreements share a few start dates: one copy of each. */
  private readonly intern = createInterner(1_000);

  constructor(private readonly client: ConnectWiseHttpClient) {}

  get stats(): RequestStats {
    return this.client.stats;
  }

  async findAgreementType(name: string): Promise<{ id: number; name: string } | undefined> {
    if (!isQueryable(name)) return undefined;
    const types = await this.getAll('/finance/agreements/types', { conditions: equals('name', name), fields: 'id,name' });
    const match = types.find((t) => String((t as { name?: string }).name).toLowerCase() === name.toLowerCase()) as
      { id: number; name: string } | undefined;
    return match && { id: match.id, name: match.name };
  }

  async serverVersion(): Promise<string | undefined> {
    // Asked without an API version, so a server too old for ours still says which it is.
    const response = await this.client.request('GET', '/system/info', { idempotent: true, unversioned: true });
    const version = ref(response.body).version;
    return typeof version === 'string' && version !== '' ? version : undefined;
  }

  async listAgreementTypeNames(): Promise<string[]> {
    return (await this.getAll('/finance/agreements/types', { fields: 'name', orderBy: 'name asc' }))
      .map((t) => str(ref(t).name))
      .filter(Boolean);
  }

  async listAgreements(typeName: string, companyIdentifiers: readonly string[]): Promise<Lookup<AgreementSummary>> {
    const { values: identifiers, refused } = queryableValues(companyIdentifiers);
    if (identifiers.length === 0) return { found: [], refused };
    const ofType = and(equals('type/name', typeName), 'cancelledFlag=false');
    const build = (ids: readonly string[]): string => and(inList('company/identifier', ids), ofType);
    const chunks = this.chunk('/finance/agreements', identifiers, build, AGREEMENT_FIELDS);
    let raw: unknown[];
    const pages = chunks.length > 1 ? await this.pagesOfType(ofType) : Number.POSITIVE_INFINITY;
    if (pages < chunks.length) {
      // One scan of the whole type is fewer requests than the identifier lists; its page count is
      // known, so the pages are read side by side.
      const wanted = new Set(identifiers.map((i) => i.toLowerCase()));
      const params = { conditions: ofType, fields: AGREEMENT_FIELDS, orderBy: 'id asc', pageSize: PAGE_SIZE };
      const pageBodies = await Promise.all(
        Array.from({ length: pages }, (_, i) => this.getPage('/finance/agreements', { ...params, page: i + 1 })),
      );
      raw = pageBodies
        .flatMap((page) => page.items)
        .filter((a) => wanted.has(String((a as { company?: { identifier?: string } }).company?.identifier ?? '').toLowerCase()));
      // Agreements created between the count and the scan would sit on a further page.
      if (pageBodies[pageBodies.length - 1]?.hasNext) raw.push(...(await this.getAll('/finance/agreements', params, pages + 1)));
    } else {
      const read = (ids: readonly string[]): Promise<unknown[]> =>
        this.getAll('/finance/agreements', { conditions: build(ids), fields: AGREEMENT_FIELDS, orderBy: 'id asc' });
      raw = (await Promise.all(chunks.map((ids) => this.isolating(ids, read, refused)))).flat();
    }
    return { found: raw.map((a) => toAgreement(a, this.intern)), refused };
  }

  async findCatalogItems(identifiers: readonly string[]): Promise<Lookup<CatalogItemSummary>> {
    const { values: skus, refused } = queryableValues(identifiers);
    if (skus.length === 0) return { found: [], refused };
    const build = (ids: readonly string[]): string => and(inList('identifier', ids), 'inactiveFlag=false');
    const chunks = this.chunk('/procurement/catalog', skus, build, CATALOG_FIELDS);
    const read = (ids: readonly string[]): Promise<unknown[]> =>
      this.getAll('/procurement/catalog', { conditions: build(ids), fields: CATALOG_FIELDS });
    const raw = (await Promise.all(chunks.map((ids) => this.isolating(ids, read, refused)))).flat();
    return { found: raw.map(toCatalogItem), refused };
  }

  /**
   * Reads a batch; when ConnectWise refuses it (400) the batch is halved until the one value it
   * refuses stands alone. That value is reported (with ConnectWise's message) and the rest go on.
   * A condition error (ApiFindCondition: an unknown field, a wrong type) is a defect of the query
   * itself, not of a value: it is thrown as it is (CW02 with ConnectWise's message), never split.
   */
  private async isolating(
    values: NonEmpty<string>,
    read: (values: readonly string[]) => Promise<unknown[]>,
    refused: RefusedValue[],
  ): Promise<unknown[]> {
    try {
      return await read(values);
    } catch (error) {
      if (!(error instanceof ConnectWiseError) || error.status !== 400 || error.body?.code === 'ApiFindCondition') throw error;
      const split = halves(values);
      if (!split) {
        refused.push({ value: values[0], reason: `ConnectWise refused a query for this value: ${error.message}` });
        return [];
      }
      const [first, second] = await Promise.all([this.isolating(split[0], read, refused), this.isolating(split[1], read, refused)]);
      return [...first, ...second];
    }
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

  /**
   * One POST. ConnectWise has no idempotency key, so a POST whose outcome is unknown (timeout, reset,
   * 5xx, an unreadable answer) is never sent again: a retry could race a late commit. The error says
   * so (outcomeUnknown) and the run looks for the addition after settleLostWrites. A 429 was refused
   * before processing: the client sends that one again.
   */
  async createAddition(agreementId: number, addition: NewAddition): Promise<AdditionSummary> {
    const body = {
      product: { id: addition.productId },
      quantity: addition.quantity,
      billCustomer: 'Billable',
      effectiveDate: addition.effectiveDate,
      description: addition.description,
    };
    try {
      const response = await this.client.request('POST', `/finance/agreements/${agreementId}/additions`, { json: body, idempotent: false });
      return toAddition(response.body);
    } catch (error) {
      if (error instanceof ConnectWiseError && error.outcomeUnknown) {
        this.client.stats.unknownOutcomes++;
        // A timed-out create may still be processing for about one request timeout (at most 15 s waited).
        this.lateWriteWindowMs = Math.max(
          this.lateWriteWindowMs,
          error.timedOut ? Math.min(this.client.timeoutMs, MAX_SETTLE_MS) : this.client.settleMs,
        );
      }
      throw error;
    }
  }

  async settleLostWrites(): Promise<void> {
    if (this.lateWriteWindowMs > 0) await this.client.pause(this.lateWriteWindowMs);
  }

  private chunk(path: string, values: readonly string[], build: (values: readonly string[]) => string, fields: string): NonEmpty<string>[] {
    const urlLength = (conditions: string): number =>
      this.client.urlLength(path, { conditions, fields, orderBy: 'id asc', page: 99999, pageSize: PAGE_SIZE });
    return chunkInConditions(values, build, urlLength, MAX_URL_LENGTH);
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

/** Distinct values that can be queried, and the others with the reason they are never sent. */
function queryableValues(input: readonly string[]): { values: string[]; refused: RefusedValue[] } {
  const values: string[] = [];
  const refused: RefusedValue[] = [];
  for (const value of new Set(input)) {
    const reason = whyNotQueryable(value);
    if (reason === undefined) values.push(value);
    else refused.push({ value, reason: `not looked up in ConnectWise: ${reason}` });
  }
  return { values, refused };
}

function hasNextPage(response: HttpResponse): boolean {
  const link = response.headers.link;
  const text = Array.isArray(link) ? link.join(',') : (link ?? '');
  return /rel="?next"?/i.test(text);
}

type Raw = Record<string, unknown>;
const ref = (value: unknown): Raw => (value && typeof value === 'object' ? (value as Raw) : {});
const str = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

function toAgreement(raw: unknown, intern: (text: string) => string): AgreementSummary {
  const a = ref(raw);
  return {
    id: Number(a.id),
    name: str(a.name),
    companyIdentifier: str(ref(a.company).identifier),
    companyName: str(ref(a.company).name),
    cancelledFlag: a.cancelledFlag === true,
    agreementStatus: a.agreementStatus === undefined || a.agreementStatus === null ? undefined : str(a.agreementStatus),
    billStartDate: a.billStartDate ? intern(str(a.billStartDate)) : undefined,
    startDate: a.startDate ? intern(str(a.startDate)) : undefined,
    currency: ref(a.currency).currencyCode ? intern(str(ref(a.currency).currencyCode)) : undefined,
  };
}

function toCatalogItem(raw: unknown): CatalogItemSummary {
  const c = ref(raw);
  return {
    id: Number(c.id),
    identifier: str(c.identifier),
    description: str(c.description),
    price: typeof c.price === 'number' ? c.price : undefined,
  };
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
    billCustomer: a.billCustomer ? str(a.billCustomer) : undefined,
    unitPrice: typeof a.unitPrice === 'number' ? a.unitPrice : undefined,
  };
}
