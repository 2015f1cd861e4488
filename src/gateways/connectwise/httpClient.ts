import got, { type Got, type Method, RequestError } from 'got';
import { throwIfAborted } from '../../errors.js';
import { sleep } from '../../util/sleep.js';
import { Limiter } from '../../util/limiter.js';
import { CONNECTWISE_API_VERSION } from './apiVersion.js';
import { AdaptivePace } from './pace.js';
import { ConnectWiseError, parseErrorBody } from './errors.js';
import { emptyStats, requestKind, type RequestStats } from './requestStats.js';
import { backoffMs, DEFAULT_RETRY, retrying, RetryBudget, retryAfterMs, type Attempt, type RetrySettings } from '../retryPolicy.js';

const DEFAULT_TIMEOUT_MS = 30_000;
/** How long a write whose answer was lost (5xx, reset) may take to land before it is looked for. */
const DEFAULT_SETTLE_MS = 5_000;

export const CONNECTWISE_ACCEPT = `application/vnd.connectwise.com+json; version=${CONNECTWISE_API_VERSION}`;

export interface ConnectWiseCredentials {
  companyName: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
}

export interface HttpClientOptions {
  baseUrl: string;
  credentials: ConnectWiseCredentials;
  maxConcurrency: number;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The wait before looking for a write whose answer was lost (default 5 s). */
  settleMs?: number;
  retry?: Partial<RetrySettings>;
  budget?: RetryBudget;
  random?: () => number;
  /** A known rate limit (requests per second); otherwise the pace is learned from 429s. */
  maxRequestsPerSecond?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface RequestOptions {
  searchParams?: Record<string, string | number>;
  json?: unknown;
  /** GET and the quantity PATCH may be repeated; a POST may not (only a 429, refused before processing, is sent again). */
  idempotent: boolean;
  /** Ask with a plain JSON Accept, no API version: for the one read that must work whatever the server's version. */
  unversioned?: boolean;
}

export function basicAuthorization(credentials: ConnectWiseCredentials): string {
  const raw = `${credentials.companyName}+${credentials.publicKey}:${credentials.privateKey}`;
  return `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`;
}

const RETRYABLE_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
  'ERR_GOT_REQUEST_ERROR',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/**
 * The ConnectWise HTTP client, and the only module that imports got. It owns authentication,
 * the versioned Accept header, timeouts, bounded concurrency, retries (Retry-After with a cap,
 * backoff with jitter, a run-wide budget), a shared pause when ConnectWise signals its rate
 * limit, and request counters. Errors it throws carry status and ConnectWise's error body,
 * never a header.
 */
export class ConnectWiseHttpClient {
  private readonly got: Got;
  private readonly limiter: Limiter;
  private readonly retry: RetrySettings;
  private readonly budget: RetryBudget;
  private readonly random: () => number;
  private pausedUntil = 0;
  readonly stats: RequestStats = emptyStats();
  readonly pace: AdaptivePace;

  constructor(private readonly options: HttpClientOptions) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.budget = options.budget ?? new RetryBudget();
    this.random = options.random ?? Math.random;
    this.limiter = new Limiter(options.maxConcurrency);
    this.pace = new AdaptivePace(options.maxRequestsPerSecond);
    this.got = got.extend({
      prefixUrl: options.baseUrl.replace(/\/+$/, '') + '/',
      headers: {
        authorization: basicAuthorization(options.credentials),
        clientid: options.credentials.clientId,
        accept: CONNECTWISE_ACCEPT,
        'user-agent': 'connectwise-manage-billing',
      },
      throwHttpErrors: false,
      retry: { limit: 0 },
      followRedirect: false,
      timeout: { request: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
      responseType: 'text',
    });
  }

  /** The URL a GET would use, for keeping query strings under ConnectWise's length limit. */
  urlLength(path: string, searchParams: Record<string, string | number>): number {
    const query = new URLSearchParams(Object.entries(searchParams).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return this.options.baseUrl.replace(/\/+$/, '').length + 1 + path.length + 1 + query.length;
  }

  async request(method: 'GET' | 'POST' | 'PATCH', path: string, options: RequestOptions): Promise<HttpResponse> {
    const kind = requestKind(method, path);
    return retrying(() => this.limiter.run(() => this.attempt(method, path, kind, options)), {
      settings: this.retry,
      random: this.random,
      wait: (ms) => this.pause(ms),
      mayRetry: () => this.budget.tryTake(this.stats.requests),
      onRetry: () => this.stats.retries++,
      onGiveUp: () => this.stats.gaveUp++,
    });
  }

  private async attempt(
    method: Method,
    path: string,
    kind: string,
    options: RequestOptions,
  ): Promise<Attempt<HttpResponse, ConnectWiseError>> {
    await this.waitForSendSlot();
    throwIfAborted(this.options.signal);
    this.stats.requests++;
    this.stats.byKind[kind] = (this.stats.byKind[kind] ?? 0) + 1;
    let response;
    try {
      response = await this.got(path.replace(/^\//, ''), {
        method,
        searchParams: options.searchParams,
        json: options.json,
        ...(options.unversioned ? { headers: { accept: 'application/json' } } : {}),
        // No abort signal here: a request in flight finishes (a write that lands is reported);
        // the signal only stops new requests from starting.
      });
    } catch (error) {
      const code = error instanceof RequestError ? error.code : 'ERR_UNKNOWN';
      // Only the error code leaves this module: got's error carries the request options and headers.
      const failure = new ConnectWiseError(
        'network',
        method,
        path,
        explainNetworkFailure(code, this.host),
        undefined,
        undefined,
        method === 'POST',
        code === 'ETIMEDOUT',
      );
      if (!options.idempotent || !RETRYABLE_NETWORK.has(code)) throw failure;
      return { failure, retryAfterMs: undefined };
    }
    const status = response.statusCode;
    const text = response.body;
    if (status === 429) {
      this.stats.rateLimited++;
      const wait = retryAfterMs(header(response.headers['retry-after']), this.retry, Date.now());
      this.pace.rateLimited(wait);
      this.stats.pacePerSecond = this.pace.allowed;
      this.pauseAllLanesFor(wait ?? backoffMs(1, this.retry, this.random));
      const failure = new ConnectWiseError('status', method, path, 'rate limited', status, parseErrorBody(text));
      // A 429 is refused before processing, so even a POST may be repeated.
      return { failure, retryAfterMs: wait };
    }
    if (status < 300) {
      this.pace.accepted();
      this.stats.pacePerSecond = this.pace.allowed;
    }
    if (status >= 500) {
      const failure = new ConnectWiseError('status', method, path, 'server error', status, parseErrorBody(text), method === 'POST');
      if (!options.idempotent) throw failure;
      return { failure, retryAfterMs: undefined };
    }
    if (status >= 300) throw new ConnectWiseError('status', method, path, explainRefusal(status, this.host), status, parseErrorBody(text));
    if (status === 204 || text === '') return { value: { status, headers: response.headers, body: undefined } };
    try {
      return { value: { status, headers: response.headers, body: JSON.parse(text) } };
    } catch {
      const failure = new ConnectWiseError(
        'unreadable',
        method,
        path,
        'the response body is not valid JSON',
        undefined,
        undefined,
        method === 'POST',
      );
      if (!options.idempotent) throw failure;
      return { failure, retryAfterMs: undefined };
    }
  }

  private pauseAllLanesFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /**
   * Waits for the shared pause (a 429's Retry-After) and this request's pace slot. A 429 met by
   * another lane while this one waited for its slot pauses this one too: the pause is checked again
   * right before the send.
   */
  private async waitForSendSlot(): Promise<void> {
    for (;;) {
      while (Date.now() < this.pausedUntil) await this.pause(this.pausedUntil - Date.now());
      const wait = this.pace.reserve();
      if (wait > 0) await this.pause(wait);
      if (Date.now() >= this.pausedUntil) return;
    }
  }

  /** The host every request goes to, named in errors so an administrator sees what was tried. */
  get host(): string {
    return new URL(this.options.baseUrl).host;
  }

  /** The request timeout: how long ConnectWise may still be working on a request the client gave up on. */
  get timeoutMs(): number {
    return this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** How long a write whose answer was lost may take to land (a timed-out one: see the gateway). */
  get settleMs(): number {
    return this.options.settleMs ?? DEFAULT_SETTLE_MS;
  }

  /** Waits `ms` unless the run is cancelled first. */
  pause(ms: number): Promise<void> {
    return sleep(ms, this.options.signal);
  }
}

const TLS_FAILURE = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|EPROTO$)/;

/** A connection failure in plain words, naming the host that was tried. */
export function explainNetworkFailure(code: string, host: string): string {
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host ${host} not found (${code}): check the host name in apiUrl`;
  if (code === 'ECONNREFUSED') return `connection refused by ${host} (${code}): nothing accepts connections at that address and port`;
  if (code === 'ETIMEDOUT') return `no answer from ${host} in time (${code})`;
  if (code === 'ECONNRESET' || code === 'EPIPE') return `the connection to ${host} was dropped (${code})`;
  if (TLS_FAILURE.test(code))
    return `secure connection (TLS) to ${host} failed (${code}): the server's certificate is not trusted, or it does not speak HTTPS on that port`;
  return `connection to ${host} failed (${code})`;
}

/** What a refusal status means for an administrator. */
function explainRefusal(status: number, host: string): string {
  if (status === 401) return `${host} refused the credentials: check CompanyName, PublicKey, PrivateKey and ClientId`;
  if (status === 403) return `${host} accepted the credentials but the API member lacks permission for this request`;
  if (status === 404)
    return `not found at ${host}: a wrong codebase in apiUrl, or on ConnectWise cloud credentials of another company or region`;
  return `request refused by ${host}`;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
