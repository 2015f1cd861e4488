import { atriaUrlProblem } from '../../config/apiUrl.js';
import { sleep } from '../../util/sleep.js';
import { backoffMs, DEFAULT_RETRY, retryAfterMs, type RetrySettings } from '../retryPolicy.js';
import type { AtriaConnection } from '../../host/api.js';
import type { AtriaGateway, AtriaRow, BillingPeriod } from './AtriaGateway.js';
import { AtriaError } from './errors.js';
import { periodFromJson, rowFromJson } from './mapping.js';

const TIMEOUT_MS = 60_000;

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

  async listPeriods(): Promise<BillingPeriod[]> {
    const body = await this.getJson('/api/billing/periods');
    if (!Array.isArray(body)) throw new AtriaError('CW13', 'Atria billing periods: expected a JSON array');
    return body.map(periodFromJson);
  }

  async fetchRows(period: BillingPeriod): Promise<AtriaRow[]> {
    const body = await this.getJson(`/api/billing/${encodeURIComponent(period.endDate)}?billableOnly=true`);
    if (!Array.isArray(body)) throw new AtriaError('CW13', `Atria billing rows for ${period.endDate}: expected a JSON array`);
    // Mapped in place: each parsed row is garbage as soon as it is mapped, so a month of rows is never held twice.
    for (let i = 0; i < body.length; i++) body[i] = rowFromJson(body[i]);
    return body as AtriaRow[];
  }

  private async getJson(pathAndQuery: string): Promise<unknown> {
    // The token is never sent where it could be read on the way.
    const problem = atriaUrlProblem(this.connection.baseUrl);
    if (problem) throw new AtriaError('CW03', `Atria URL ${this.connection.baseUrl}: ${problem}`);
    const url = this.connection.baseUrl.replace(/\/+$/, '') + pathAndQuery;
    let lastProblem: AtriaError | undefined;
    let waitMs: number | undefined;
    for (let attempt = 0; attempt <= this.retry.maxRetries; attempt++) {
      if (attempt > 0) await sleep(waitMs ?? backoffMs(attempt, this.retry, this.random), this.signal);
      waitMs = undefined;
      let response: Response;
      try {
        const timeout = AbortSignal.timeout(TIMEOUT_MS);
        response = await fetch(url, {
          headers: { Authorization: `Bearer ${this.connection.token}`, Accept: 'application/json' },
          signal: this.signal ? AbortSignal.any([this.signal, timeout]) : timeout,
        });
      } catch (error) {
        if (this.signal?.aborted) throw error;
        lastProblem = new AtriaError('CW03', `${pathAndQuery}: ${networkReason(error)}`);
        continue;
      }
      const text = await response.text().catch(() => undefined);
      if (response.status === 401 || response.status === 403) {
        throw new AtriaError('CW03', `${pathAndQuery}: HTTP ${response.status} — the Atria token was not accepted`, response.status);
      }
      if (!response.ok) {
        lastProblem = new AtriaError('CW03', `${pathAndQuery}: HTTP ${response.status}`, response.status);
        if (response.status === 429) waitMs = retryAfterMs(response.headers.get('retry-after') ?? undefined, this.retry, Date.now());
        if (response.status >= 500 || response.status === 429) continue;
        throw lastProblem;
      }
      try {
        return JSON.parse(text ?? '');
      } catch {
        lastProblem = new AtriaError('CW13', `${pathAndQuery}: the response is not valid JSON`);
      }
    }
    throw lastProblem!;
  }
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
