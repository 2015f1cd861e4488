import { atriaUrlProblem } from '../../config/apiUrl.js';
import { sleep } from '../../util/sleep.js';
import { DEFAULT_RETRY, retrying, retryAfterMs, type Attempt, type RetrySettings } from '../retryPolicy.js';
import type { AtriaConnection } from '../../host/api.js';
import type { AtriaGateway, AtriaRow, BillingPeriod } from './AtriaGateway.js';
import { AtriaError } from './errors.js';
import { periodFromJson, rowFromJson } from './mapping.js';
import { NotJsonArrayError, readJsonArray } from '../../util/jsonArrayStream.js';

const TIMEOUT_MS = 60_000;

/** A 2xx answer without a body: read as an empty text, which is not JSON. */
const NO_BODY: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: async function* () {} };

/** Atria's billing API over HTTP with a Bearer token (spec section 10). The only Atria HTTP client. */
export class HttpAtriaGateway implements AtriaGateway {
  /** The same retry policy as ConnectWise's client: Retry-After honoured (capped), else backoff with jitter. */
  private readonly retry: RetrySettings;

  constructor(
    private readonly connection: AtriaConnection,
    private readonly signal?: AbortSignal,
    retry: Partial<RetrySettings> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.retry = { ...DEFAULT_RETRY, ...retry };
  }

  listPeriods(): Promise<BillingPeriod[]> {
    return this.getArray('/api/billing/periods', 'Atria billing periods', periodFromJson);
  }

  fetchRows(period: BillingPeriod): Promise<AtriaRow[]> {
    return this.getArray(
      `/api/billing/${encodeURIComponent(period.endDate)}?billableOnly=true`,
      `Atria billing rows for ${period.endDate}`,
      rowFromJson,
    );
  }

  /**
   * A JSON array, each element mapped as it arrives: a month of rows is held once, as rows, never
   * also as the response's text or as parsed JSON. A body that is not JSON is retried like a fault
   * (it was cut short on the way); JSON that is not an array is Atria's answer, and not retried.
   */
  private async getArray<T>(pathAndQuery: string, what: string, map: (raw: unknown) => T): Promise<T[]> {
    return this.get(pathAndQuery, async (body) => {
      const items: T[] = [];
      try {
        await readJsonArray(body, (raw) => items.push(map(raw)));
      } catch (error) {
        if (!(error instanceof NotJsonArrayError)) throw error;
        if (error.reason === 'not-array') throw new AtriaError('CW13', `${what}: expected a JSON array`);
        return undefined;
      }
      return items;
    });
  }

  /** GET with the retry policy; `read` takes the body of a 2xx answer, and gives undefined when the body was not JSON. */
  private async get<T>(pathAndQuery: string, read: (body: AsyncIterable<Uint8Array>) => Promise<T | undefined>): Promise<T> {
    // The token is never sent where it could be read on the way.
    const problem = atriaUrlProblem(this.connection.baseUrl);
    if (problem) throw new AtriaError('CW03', `Atria URL ${this.connection.baseUrl}: ${problem}`);
    const url = this.connection.baseUrl.replace(/\/+$/, '') + pathAndQuery;
    return retrying(() => this.attempt(url, pathAndQuery, read), {
      settings: this.retry,
      random: this.random,
      wait: (ms) => sleep(ms, this.signal),
    });
  }

  /** One GET: the value, a failure worth another try (5xx, 429, a dropped connection, a body cut short), or a final error thrown. */
  private async attempt<T>(
    url: string,
    pathAndQuery: string,
    read: (body: AsyncIterable<Uint8Array>) => Promise<T | undefined>,
  ): Promise<Attempt<T, AtriaError>> {
    let result: T | undefined;
    try {
      const timeout = AbortSignal.timeout(TIMEOUT_MS);
      const response = await fetch(url, {
        headers: { Authorization: `Bearer ${this.connection.token}`, Accept: 'application/json' },
        signal: this.signal ? AbortSignal.any([this.signal, timeout]) : timeout,
      });
      if (response.status === 401 || response.status === 403) {
        throw new AtriaError('CW03', `${pathAndQuery}: HTTP ${response.status} — the Atria token was not accepted`, response.status);
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        const failure = new AtriaError('CW03', `${pathAndQuery}: HTTP ${response.status}`, response.status);
        if (response.status === 429)
          return { failure, retryAfterMs: retryAfterMs(response.headers.get('retry-after') ?? undefined, this.retry, Date.now()) };
        if (response.status >= 500) return { failure };
        throw failure;
      }
      result = await read(response.body ?? NO_BODY);
    } catch (error) {
      if (error instanceof AtriaError || this.signal?.aborted) throw error;
      // The connection failed, before the answer or while its body was arriving.
      return { failure: new AtriaError('CW03', `${pathAndQuery}: ${networkReason(error)}`) };
    }
    if (result !== undefined) return { value: result };
    return { failure: new AtriaError('CW13', `${pathAndQuery}: the response is not valid JSON`) };
  }
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
