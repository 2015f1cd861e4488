import http from 'node:http';
import { ConditionsSyntaxError, evaluate, fieldValue, parseConditions } from './conditions.js';
import { checkConditions, fieldSchema, FindConditionError } from './schemaFields.js';
import { served } from './servedObjects.js';
import type { CwAddition, CwAgreement, CwState } from './cwState.js';
import { bodyValidators } from './openapiValidator.js';
import { LoopbackServer } from './loopbackServer.js';
import { seededRandom } from './random.js';

export interface SandboxCredentials {
  companyName: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
}

export interface FaultSettings {
  /** Share of requests answered 429 with Retry-After, before anything else. */
  rate429?: number;
  retryAfterSeconds?: number;
  /** Share of requests answered 500, before processing. */
  rate500?: number;
  /** Share of POSTs applied, then answered by a dropped connection. */
  dropPostResponse?: number;
  /** Share of successful GETs whose JSON body is cut short. */
  truncateJson?: number;
  /** Every request answered with this status (a dead API), e.g. 503. */
  alwaysStatus?: number;
  /** Requests that always fail: method (any when absent), a path pattern, optionally a pattern of the decoded query, and the status to answer. */
  failRequests?: {
    method?: string;
    path: RegExp;
    query?: RegExp;
    status: number;
    message?: string;
    /** ConnectWise's error code in the body (a 400 is InvalidObject unless given). */ code?: string;
    /** Only the first N matching requests fail. */ times?: number;
    /** The first N matching requests pass (a later read of the same thing fails). */ after?: number;
  }[];
  /**
   * A POST's first attempt is applied this many ms late and its response is never sent, as when
   * ConnectWise finishes a create after the client's timeout: the retry then creates a second one.
   */
  latePostApplyMs?: number;
  /** 429s carry an HTML page (text/html), as an edge proxy sends them, instead of ConnectWise's JSON. */
  html429?: boolean;
  /**
   * The first N POSTs are answered with `status` at once (a 502 from a gateway, say) and applied
   * `applyAfterMs` later anyway, as when ConnectWise commits after an error answer; `apply: false`
   * answers the same and never applies (the create really failed).
   */
  postAnsweredThenApplied?: { status: number; applyAfterMs: number; times: number; apply?: boolean };
  /** Share of POSTs applied twice, as when a run on another machine creates the same addition at once. */
  doublePostApply?: number;
}

export interface ConnectWiseSandboxOptions {
  credentials: SandboxCredentials;
  latencyMs?: number;
  seed?: number;
  faults?: FaultSettings;
  /** Requests per second allowed; above it 429 with Retry-After, as Cloudflare does. */
  rateLimitPerSecond?: number;
  codebase?: string;
  port?: number;
  /** The server's version (default 2025.8): a request whose Accept asks for a newer API version is refused. */
  serverVersion?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  fault?: string;
}

export const API_PREFIX = (codebase: string): string => `/${codebase}/apis/3.0`;
const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 25;
export const DEFAULT_SERVER_VERSION = '2025.8';

/** The schema each list endpoint serves, for checking its conditions as ConnectWise does. */
const LIST_RESOURCES = [
  ['/finance/agreements/types', 'AgreementType'],
  ['/finance/agreements', 'Agreement'],
  ['/procurement/catalog', 'CatalogItem'],
  ['/company/companies', 'Company'],
] as const;

/** The page a proxy in front of ConnectWise answers a rate-limited request with. */
const HTML_429 =
  '<!DOCTYPE html><html><head><title>429 Too Many Requests</title></head><body><h1>Too Many Requests</h1><p>Rate limited by the edge. Retry later.</p></body></html>';

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly body: { code: string; message: string; errors?: unknown[] },
  ) {
    super(body.message);
  }
}

const invalidObject = (message: string, errors: unknown[] = []): HttpProblem =>
  new HttpProblem(400, { code: 'InvalidObject', message, errors });
const notFound = (message: string): HttpProblem => new HttpProblem(404, { code: 'NotFound', message });
const findCondition = (message: string): HttpProblem => new HttpProblem(400, { code: 'ApiFindCondition', message });

/** `version=2025.8` in an Accept header (a list of media types), or undefined when it asks for none. */
function requestedVersion(accept: string | undefined): string | undefined {
  return /application\/vnd\.connectwise\.com\+json;\s*version=([\d.]+)/i.exec(accept ?? '')?.[1];
}

/** Compares dotted versions numerically: 2025.10 is newer than 2025.8. */
function newer(a: string, b: string): boolean {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
}

/**
 * A faithful fake of the ConnectWise Manage 3.0 endpoints we use, on loopback only: Basic auth
 * with clientId, conditions/orderBy/fields, paging with Link headers, body validation against
 * the published schemas, and seeded faults (429, 500, dropped POST responses, truncated JSON,
 * a rate limit). Every request is recorded for tests and the benchmark.
 */
export class ConnectWiseSandbox {
  readonly requests: RecordedRequest[] = [];
  /** When the first request since the last reset arrived (ms since the epoch), for start-up timing. */
  firstRequestAt: number | undefined;
  /** When the last request since the last reset was answered: with firstRequestAt, the span a throughput is measured over. */
  lastAnsweredAt: number | undefined;
  private readonly seed: number;
  /** How often each request (method + URL) has been seen, so a retry draws a fresh fault. */
  private readonly seen = new Map<string, number>();
  private windowStart = 0;
  private windowCount = 0;
  private nextId: number;
  faults: FaultSettings;
  latencyMs: number;
  rateLimitPerSecond?: number;

  private server!: LoopbackServer;

  private constructor(
    readonly state: CwState,
    private readonly options: ConnectWiseSandboxOptions,
  ) {
    this.seed = options.seed ?? 1;
    this.faults = options.faults ?? {};
    this.latencyMs = options.latencyMs ?? 0;
    this.rateLimitPerSecond = options.rateLimitPerSecond;
    this.nextId = Math.max(100000, ...state.additions.map((a) => a.id + 1));
  }

  static async start(state: CwState, options: ConnectWiseSandboxOptions): Promise<ConnectWiseSandbox> {
    const sandbox = new ConnectWiseSandbox(state, options);
    sandbox.server = await LoopbackServer.start((req, res) => void sandbox.handle(req, res), options.port);
    return sandbox;
  }

  get origin(): string {
    return this.server.origin;
  }

  get boundAddress(): string {
    return this.server.boundAddress;
  }

  /** The API base an administrator would put in apiUrl. */
  get apiBase(): string {
    return this.origin + API_PREFIX(this.options.codebase ?? 'v4_6_release');
  }

  close(): Promise<void> {
    return this.server.close();
  }

  resetRequests(): void {
    this.requests.length = 0;
    this.firstRequestAt = undefined;
    this.lastAnsweredAt = undefined;
  }

  /** Requests by kind, e.g. `GET /finance/agreements/{id}/additions`, and writes in total. */
  counts(): { byKind: Record<string, number>; total: number; writes: number } {
    const byKind: Record<string, number> = {};
    for (const r of this.requests) {
      const kind = `${r.method} ${r.path.replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
      byKind[kind] = (byKind[kind] ?? 0) + 1;
    }
    const writes = this.requests.filter((r) => r.method !== 'GET' && r.status < 300).length;
    return { byKind, total: this.requests.length, writes };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const prefix = API_PREFIX(this.options.codebase ?? 'v4_6_release');
    const method = req.method ?? 'GET';
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) || '/' : url.pathname;
    this.firstRequestAt ??= Date.now();
    const record: RecordedRequest = { method, path, query: Object.fromEntries(url.searchParams), status: 0 };
    this.requests.push(record);
    // Faults are drawn from (seed, request, occurrence): the same seed gives the same faults to
    // the same requests whatever order concurrent requests arrive in.
    const key = `${method} ${req.url}`;
    const occurrence = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, occurrence);
    const random = seededRandom(hash(`${this.seed}|${key}|${occurrence}`));
    const chance = (share: number | undefined): boolean => share !== undefined && share > 0 && random() < share;
    const body = await readBody(req);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));

    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      this.lastAnsweredAt = Date.now();
      if (status === 429 && this.faults.html429) {
        res.writeHead(429, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(HTML_429), ...headers });
        res.end(HTML_429);
        return;
      }
      let text = payload === undefined ? '' : JSON.stringify(payload);
      if (status === 200 && method === 'GET' && chance(this.faults.truncateJson)) {
        text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
        record.fault = 'truncated';
      }
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };

    try {
      if (this.faults.alwaysStatus)
        throw new HttpProblem(this.faults.alwaysStatus, { code: 'ServiceUnavailable', message: 'The service is unavailable' });
      if (this.overRateLimit()) {
        record.fault = 'rate-limit';
        return send(
          429,
          { code: 'TooManyRequests', message: 'Rate limit exceeded' },
          { 'retry-after': String(this.faults.retryAfterSeconds ?? 1) },
        );
      }
      if (chance(this.faults.rate429)) {
        record.fault = '429';
        return send(
          429,
          { code: 'TooManyRequests', message: 'Too many requests' },
          { 'retry-after': String(this.faults.retryAfterSeconds ?? 1) },
        );
      }
      const company = /^\/login\/companyinfo\/([^/]+)$/i.exec(url.pathname)?.[1];
      if (method === 'GET' && company !== undefined) return send(200, this.companyInfo(decodeURIComponent(company)));
      if (!url.pathname.startsWith(prefix)) throw notFound(`No codebase at ${url.pathname}`);
      this.authenticate(req);
      const wanted = requestedVersion(req.headers.accept);
      if (wanted && newer(wanted, this.serverVersion)) {
        throw new HttpProblem(400, {
          code: 'InvalidVersion',
          message: `This server does not support the API version ${wanted} requested; the server's version is ${this.serverVersion}`,
        });
      }
      const decodedQuery = decodeURIComponent(url.search);
      const scripted = this.faults.failRequests?.find(
        (f) =>
          (!f.method || f.method === method) &&
          f.path.test(path) &&
          (!f.query || f.query.test(decodedQuery)) &&
          (f.times === undefined || f.times > 0),
      );
      if (scripted?.after) scripted.after--;
      else if (scripted) {
        if (scripted.times !== undefined) scripted.times--;
        record.fault = 'scripted';
        throw new HttpProblem(
          scripted.status,
          scripted.status === 400
            ? {
                code: scripted.code ?? 'InvalidObject',
                message: scripted.message ?? 'Addition object is invalid',
                errors: [{ code: 'InvalidObject', message: 'Scripted failure', resource: 'Addition', field: 'product' }],
              }
            : { code: 'InternalServerError', message: scripted.message ?? 'Scripted failure' },
        );
      }
      if (method === 'POST' && this.faults.latePostApplyMs !== undefined && occurrence === 1) {
        // The client times out and retries; this first attempt lands afterwards, unanswered.
        record.fault = 'late';
        const late = this.faults.latePostApplyMs;
        setTimeout(() => {
          try {
            this.route(method, path, url.searchParams, body);
            record.status = -2;
          } catch {
            // Refused late: nothing was created.
          }
          req.socket.destroy();
        }, late);
        return;
      }
      const late = this.faults.postAnsweredThenApplied;
      if (method === 'POST' && late && late.times > 0) {
        late.times--;
        record.fault = 'answered-then-applied';
        if (late.apply !== false) {
          setTimeout(() => {
            try {
              this.route(method, path, url.searchParams, body);
            } catch {
              // Refused late: nothing was created.
            }
          }, late.applyAfterMs);
        }
        throw new HttpProblem(late.status, { code: 'BadGateway', message: 'The upstream server did not answer in time' });
      }
      if (chance(this.faults.rate500)) {
        record.fault = '500';
        throw new HttpProblem(500, { code: 'InternalServerError', message: 'An unexpected error occurred' });
      }
      const result = this.route(method, path, url.searchParams, body, req.headers['pagination-type'] === 'forward-only');
      if (method === 'POST' && chance(this.faults.doublePostApply)) {
        record.fault = 'applied-twice';
        this.route(method, path, url.searchParams, body);
      }
      if (method === 'POST' && chance(this.faults.dropPostResponse)) {
        // Applied, but the client never hears back: the case a retry must not duplicate.
        record.status = -1;
        record.fault = 'dropped';
        req.socket.destroy();
        return;
      }
      send(result.status ?? 200, result.body, result.headers);
    } catch (error) {
      if (error instanceof HttpProblem) return send(error.status, error.body);
      send(500, { code: 'InternalServerError', message: String(error) });
    }
  }

  private overRateLimit(): boolean {
    if (!this.rateLimitPerSecond) return false;
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount++;
    return this.windowCount > this.rateLimitPerSecond;
  }

  private authenticate(req: http.IncomingMessage): void {
    const { companyName, publicKey, privateKey, clientId } = this.options.credentials;
    const expected = `Basic ${Buffer.from(`${companyName}+${publicKey}:${privateKey}`).toString('base64')}`;
    if (req.headers.authorization !== expected)
      throw new HttpProblem(401, { code: 'Unauthorized', message: 'Authentication failed: check the company, public key and private key' });
    if (req.headers.clientid !== clientId)
      throw new HttpProblem(401, { code: 'Unauthorized', message: 'A valid clientId header is required' });
  }

  get serverVersion(): string {
    return this.options.serverVersion ?? DEFAULT_SERVER_VERSION;
  }

  /** What ConnectWise's login page tells any caller about a company (no authentication). */
  private companyInfo(company: string): unknown {
    const codebase = this.options.codebase ?? 'v4_6_release';
    return {
      CompanyName: company,
      Codebase: `${codebase}/`,
      VersionCode: `v${this.serverVersion}`,
      VersionNumber: `v${this.serverVersion}.1`,
      CompanyID: company,
      IsCloud: false,
      SiteUrl: new URL(this.origin).host,
    };
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: string,
    forwardOnly = false,
  ): { status?: number; body: unknown; headers?: Record<string, string> } {
    const s = this.state;
    const segments = path.split('/').filter(Boolean);
    const list = (resource: string, items: readonly unknown[]) => this.listResponse(path, resource, items, query, forwardOnly);
    const match = (pattern: string): number[] | undefined => {
      const parts = pattern.split('/').filter(Boolean);
      if (parts.length !== segments.length) return undefined;
      const ids: number[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (parts[i] === '{id}') {
          if (!/^\d+$/.test(segments[i]!)) return undefined;
          ids.push(Number(segments[i]));
        } else if (parts[i]!.toLowerCase() !== segments[i]!.toLowerCase()) return undefined;
      }
      return ids;
    };
    const agreementOf = (id: number) =>
      this.index().agreements.get(id) ??
      (() => {
        throw notFound(`Agreement ${id} was not found`);
      })();
    const additionsOf = (id: number) => this.index().additions.get(id) ?? [];

    if (method === 'GET') {
      if (match('/system/info'))
        return { body: { version: `v${this.serverVersion}.1`, isCloud: false, serverTimeZone: 'UTC', cloudRegion: 'NA' } };
      const items: Record<string, () => readonly unknown[]> = {
        AgreementType: () => s.agreementTypes,
        Agreement: () => s.agreements,
        CatalogItem: () => s.catalog,
        Company: () => s.companies,
      };
      for (const [pattern, resource] of LIST_RESOURCES) {
        if (match(pattern)) return list(resource, items[resource]!());
        if (match(`${pattern}/count`)) return { body: { count: this.filter(resource, items[resource]!(), query).length } };
      }
      let ids = match('/finance/agreements/{id}/additions');
      if (ids) return list('Addition', additionsOf(agreementOf(ids[0]!).id));
      ids = match('/finance/agreements/{id}/additions/count');
      if (ids) return { body: { count: this.filter('Addition', additionsOf(agreementOf(ids[0]!).id), query).length } };
      ids = match('/finance/agreements/{id}/additions/{id}');
      if (ids) return { body: served('Addition', this.additionOf(agreementOf(ids[0]!).id, ids[1]!), this.apiBase) };
      ids = match('/finance/agreements/{id}');
      if (ids) return { body: served('Agreement', agreementOf(ids[0]!), this.apiBase) };
      throw notFound(`No endpoint GET ${path}`);
    }
    if (method === 'POST') {
      const ids = match('/finance/agreements/{id}/additions');
      if (!ids) throw notFound(`No endpoint POST ${path}`);
      return { status: 201, body: served('Addition', this.createAddition(agreementOf(ids[0]!).id, parseJson(body)), this.apiBase) };
    }
    if (method === 'PATCH' || method === 'PUT') {
      const ids = match('/finance/agreements/{id}/additions/{id}');
      if (!ids) throw notFound(`No endpoint ${method} ${path}`);
      const addition = this.additionOf(agreementOf(ids[0]!).id, ids[1]!);
      const updated = method === 'PATCH' ? this.patched(addition, parseJson(body)) : this.replaced(addition, parseJson(body));
      for (const key of Object.keys(addition)) if (!(key in updated)) delete addition[key];
      Object.assign(addition, updated);
      return { body: served('Addition', addition, this.apiBase) };
    }
    throw new HttpProblem(405, { code: 'MethodNotAllowed', message: `${method} is not allowed` });
  }

  /**
   * Lookups by agreement, so a 100,000-addition benchmark does not scan every addition per request.
   * Rebuilt whenever a test has changed the arrays directly.
   */
  private indexed?: {
    agreementCount: number;
    additionCount: number;
    agreements: Map<number, CwAgreement>;
    additions: Map<number, CwAddition[]>;
  };
  private index(): NonNullable<typeof this.indexed> {
    const { agreements, additions } = this.state;
    if (!this.indexed || this.indexed.agreementCount !== agreements.length || this.indexed.additionCount !== additions.length) {
      const byAgreement = new Map<number, typeof additions>();
      for (const a of additions) {
        const list = byAgreement.get(a.agreementId);
        if (list) list.push(a);
        else byAgreement.set(a.agreementId, [a]);
      }
      this.indexed = {
        agreementCount: agreements.length,
        additionCount: additions.length,
        agreements: new Map(agreements.map((a) => [a.id, a])),
        additions: byAgreement,
      };
    }
    return this.indexed;
  }

  private additionOf(agreementId: number, additionId: number): CwAddition {
    const addition = (this.index().additions.get(agreementId) ?? []).find((a) => a.id === additionId);
    if (!addition) throw notFound(`Addition ${additionId} was not found on agreement ${agreementId}`);
    return addition;
  }

  private createAddition(agreementId: number, body: unknown): CwAddition {
    const validate = bodyValidators().addition;
    if (!validate(body)) throw invalidObject('Addition object is invalid', schemaErrors(validate.errors));
    const input = body as Partial<CwAddition> & { product: { id?: number; identifier?: string } };
    const product = this.state.catalog.find((c) =>
      input.product.id !== undefined
        ? c.id === input.product.id
        : c.identifier.toLowerCase() === String(input.product.identifier).toLowerCase(),
    );
    if (!product)
      throw invalidObject('Addition object is invalid', [
        { code: 'InvalidObject', message: 'Product not found', resource: 'Addition', field: 'product' },
      ]);
    const agreement = this.index().agreements.get(agreementId)!;
    const billStart = agreement.billStartDate || agreement.startDate;
    if (billStart && input.effectiveDate && Date.parse(input.effectiveDate) < Date.parse(billStart.slice(0, 10) + 'T00:00:00Z')) {
      // An addition cannot bill before its agreement does.
      throw invalidObject('Addition object is invalid', [
        {
          code: 'InvalidObject',
          message: `The effective date must be on or after the agreement's bill start date ${billStart.slice(0, 10)}`,
          resource: 'Addition',
          field: 'effectiveDate',
        },
      ]);
    }
    const addition: CwAddition = {
      ...input,
      id: this.nextId++,
      agreementId,
      product: { id: product.id, identifier: product.identifier, description: product.description },
      quantity: input.quantity ?? 1,
      // Without a price in the request the addition takes the catalog item's price.
      unitPrice: input.unitPrice ?? product.price ?? 0,
      billCustomer: input.billCustomer ?? 'Billable',
      effectiveDate: input.effectiveDate ?? new Date().toISOString(),
      description: input.description ?? product.description,
    };
    const index = this.index();
    this.state.additions.push(addition);
    index.additions.set(agreementId, [...(index.additions.get(agreementId) ?? []), addition]);
    index.additionCount++;
    return addition;
  }

  private patched(addition: CwAddition, operations: unknown): CwAddition {
    const validate = bodyValidators().patchOperations;
    if (!validate(operations)) throw invalidObject('Patch operations are invalid', schemaErrors(validate.errors));
    const copy: Record<string, unknown> = structuredClone(addition);
    for (const op of operations as { op?: string; path?: string; value?: unknown }[]) {
      // JSON Patch as ConnectWise takes it: replace, add and remove on a field of the object (nested with /).
      const parts = String(op.path ?? '')
        .replace(/^\//, '')
        .split('/')
        .filter(Boolean);
      const kind = String(op.op).toLowerCase();
      const problem = (message: string) =>
        invalidObject(`Unsupported patch operation ${op.op} ${op.path}`, [
          { code: 'InvalidObject', message, resource: 'Addition', field: parts.join('/') },
        ]);
      if (!['replace', 'add', 'remove'].includes(kind)) throw problem(`${op.op} is not a supported operation`);
      if (parts.length === 0 || !fieldSchema('Addition', parts))
        throw problem(`${parts.join('/') || '(empty path)'} is not a field of an addition`);
      if (['id', 'agreementid', '_info'].includes(parts[0]!.toLowerCase())) throw problem(`${parts[0]} cannot be changed`);
      const key = (target: Record<string, unknown>, name: string): string =>
        Object.keys(target).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
      let target = copy;
      for (const part of parts.slice(0, -1)) {
        const name = key(target, part);
        if (typeof target[name] !== 'object' || target[name] === null) target[name] = {};
        target = target[name] as Record<string, unknown>;
      }
      const last = key(target, parts[parts.length - 1]!);
      if (kind === 'remove') delete target[last];
      else target[last] = op.value;
    }
    return this.validAddition(copy);
  }

  private replaced(addition: CwAddition, body: unknown): CwAddition {
    const copy = { ...(body as Record<string, unknown>), id: addition.id, agreementId: addition.agreementId };
    return this.validAddition(copy);
  }

  private validAddition(candidate: Record<string, unknown>): CwAddition {
    const validate = bodyValidators().addition;
    if (!validate(candidate)) throw invalidObject('Addition object is invalid', schemaErrors(validate.errors));
    return candidate as CwAddition;
  }

  /**
   * The items the query's conditions select, checked as ConnectWise checks them: a syntax error, an
   * unknown field, a value of the wrong type or an invalid enum value is 400 ApiFindCondition.
   * childConditions and customFieldConditions are refused, never ignored: the sandbox has no children.
   */
  private filter(resource: string, items: readonly unknown[], query: URLSearchParams): unknown[] {
    for (const name of ['childConditions', 'customFieldConditions']) {
      const value = query.get(name);
      if (value) throw findCondition(`${name} are not supported by this sandbox (${value})`);
    }
    const conditions = query.get('conditions');
    if (!conditions) return [...items];
    try {
      const parsed = parseConditions(conditions);
      checkConditions(resource, parsed);
      return items.filter((item) => evaluate(parsed, item));
    } catch (error) {
      if (error instanceof ConditionsSyntaxError || error instanceof FindConditionError) throw findCondition(error.message);
      throw error;
    }
  }

  /**
   * One page of a list. Page numbers (`page`, `pageSize`) with `Link` headers written as ConnectWise
   * writes them, `page` last; or, with the request header `pagination-type: forward-only`, the
   * records with id above `pageId` and only a next link.
   */
  private listResponse(
    path: string,
    resource: string,
    items: readonly unknown[],
    query: URLSearchParams,
    forwardOnly: boolean,
  ): { body: unknown; headers?: Record<string, string> } {
    const pageSize = query.has('pageSize') ? Number(query.get('pageSize')) : DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new HttpProblem(400, { code: 'InvalidObject', message: `pageSize must be between 1 and ${MAX_PAGE_SIZE}` });
    }
    const link = (name: 'page' | 'pageId', value: number, rel: string): string => {
      const next = new URLSearchParams(query);
      for (const key of ['page', 'pageSize', 'pageId']) next.delete(key);
      next.set('pageSize', String(pageSize));
      next.set(name, String(value));
      return `<${this.apiBase}${path}?${next.toString()}>; rel="${rel}"`;
    };
    const render = (pageItems: readonly unknown[]): unknown[] => {
      const full = pageItems.map((item) => served(resource, item, this.apiBase));
      const fields = query.get('fields');
      return fields ? full.map((item) => project(item, fields)) : full;
    };
    const filtered = this.filter(resource, items, query);
    if (forwardOnly) {
      const after = query.has('pageId') ? Number(query.get('pageId')) : 0;
      if (!Number.isInteger(after) || after < 0)
        throw new HttpProblem(400, { code: 'InvalidObject', message: 'pageId must be a whole number' });
      const rest = sortItems(
        filtered.filter((item) => Number(fieldValue(item, ['id'])) > after),
        'id asc',
      );
      const pageItems = rest.slice(0, pageSize);
      const last = Number(fieldValue(pageItems[pageItems.length - 1], ['id']));
      return { body: render(pageItems), headers: rest.length > pageSize ? { link: link('pageId', last, 'next') } : undefined };
    }
    const page = query.has('page') ? Number(query.get('page')) : 1;
    if (!Number.isInteger(page) || page < 1)
      throw new HttpProblem(400, { code: 'InvalidObject', message: 'page must be a whole number from 1' });
    const sorted = sortItems(filtered, query.get('orderBy'));
    const lastPage = Math.max(1, Math.ceil(sorted.length / pageSize));
    const body = render(sorted.slice((page - 1) * pageSize, page * pageSize));
    if (lastPage === 1) return { body };
    const links = [];
    if (page > 1) links.push(link('page', 1, 'first'), link('page', page - 1, 'prev'));
    if (page < lastPage) links.push(link('page', page + 1, 'next'), link('page', lastPage, 'last'));
    return { body, headers: links.length ? { link: links.join(', ') } : undefined };
  }
}

/** FNV-1a: a stable 32-bit hash of a string, to seed one request's fault draws. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function sortItems(items: unknown[], orderBy: string | null): unknown[] {
  const keys = (orderBy ?? 'id asc')
    .split(',')
    .map((part) => part.trim().split(/\s+/))
    .filter(([field]) => field)
    .map(([field, direction]) => ({ field: field!.split('/'), sign: direction?.toLowerCase() === 'desc' ? -1 : 1 }));
  return items.sort((a, b) => {
    for (const { field, sign } of keys) {
      const x = fieldValue(a, field) as string | number;
      const y = fieldValue(b, field) as string | number;
      if (x === y) continue;
      if (x === undefined || x === null) return -sign;
      if (y === undefined || y === null) return sign;
      return (typeof x === 'string' ? x.localeCompare(String(y)) : x < (y as number) ? -1 : 1) * sign;
    }
    return 0;
  });
}

function project(item: unknown, fields: string): unknown {
  const out: Record<string, unknown> = {};
  for (const field of fields
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)) {
    const parts = field.split('/');
    const value = fieldValue(item, parts);
    if (value === undefined) continue;
    let target = out;
    parts.slice(0, -1).forEach((part) => {
      target[part] = (target[part] as Record<string, unknown>) ?? {};
      target = target[part] as Record<string, unknown>;
    });
    target[parts[parts.length - 1]!] = value;
  }
  return out;
}

function schemaErrors(errors: { instancePath: string; message?: string; params: Record<string, unknown> }[] | null | undefined): unknown[] {
  return (errors ?? []).slice(0, 10).map((e) => ({
    code: 'InvalidObject',
    message: e.message ?? 'invalid',
    resource: 'Addition',
    field: e.instancePath.replace(/^\//, '') || String(e.params.missingProperty ?? ''),
  }));
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw invalidObject('The request body is not valid JSON');
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
