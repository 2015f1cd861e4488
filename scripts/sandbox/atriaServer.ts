import http from 'node:http';
import { LoopbackServer } from './loopbackServer.js';

export interface AtriaPeriod {
  startDate: string;
  endDate: string;
  status: 'Open' | 'Closed';
}

/** A summary row as Atria's billing API serves it (the integration guide's fields); counts may be anything a test plants. */
export type AtriaApiRow = {
  customerCode: string;
  customerName: string;
  customerAccountCode: string;
  productSku: string;
  summaryGrouping: string;
  lastMonthCount: unknown;
  thisMonthCount: unknown;
  resultCount: unknown;
  billable?: boolean;
} & Record<string, unknown>;

export interface AtriaData {
  periods: AtriaPeriod[];
  rows: Record<string, AtriaApiRow[]>;
}

export interface AtriaSandboxOptions {
  token: string;
  latencyMs?: number;
  port?: number;
  /** Serve only this many rows of a period (a cut-short export). */
  truncateRowsTo?: number;
  /** Answer the rows endpoint with a body that is not JSON. */
  garbleRows?: boolean;
  /** Answer the rows endpoint (200) with this body as it is: JSON of another shape, say. */
  rowsBody?: string;
  /** Serve rows marked not billable even when billableOnly=true was asked (a server that ignores the query). */
  ignoreBillableOnly?: boolean;
}

/** Atria's billing API as the gateway assumes it (spec section 10), on loopback only. */
export class AtriaSandbox {
  readonly requests: { path: string; status: number }[] = [];
  private server!: LoopbackServer;

  private constructor(
    public data: AtriaData,
    readonly options: AtriaSandboxOptions,
  ) {}

  static async start(data: AtriaData, options: AtriaSandboxOptions): Promise<AtriaSandbox> {
    const sandbox = new AtriaSandbox(data, options);
    sandbox.server = await LoopbackServer.start((req, res) => void sandbox.handle(req, res), options.port);
    return sandbox;
  }

  get url(): string {
    return this.server.origin;
  }

  get boundAddress(): string {
    return this.server.boundAddress;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://atria');
    const send = (status: number, body: unknown, raw?: string): void => {
      this.requests.push({ path: url.pathname, status });
      const text = raw ?? JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
    if (req.headers.authorization !== `Bearer ${this.options.token}`) return send(401, { message: 'Invalid or expired token' });
    if (url.pathname === '/api/billing/periods') return send(200, this.data.periods);
    const period = /^\/api\/billing\/(\d{4}-\d{2}-\d{2})$/.exec(url.pathname)?.[1];
    if (period) {
      if (!this.data.periods.some((p) => p.endDate === period)) return send(404, { message: `No billing period ends ${period}` });
      if (this.options.garbleRows) return send(200, undefined, '[{"customerCode": "A", "thisMonth');
      if (this.options.rowsBody !== undefined) return send(200, undefined, this.options.rowsBody);
      let rows = this.data.rows[period] ?? [];
      if (url.searchParams.get('billableOnly') === 'true' && !this.options.ignoreBillableOnly) {
        // The filtered answer counts only what it serves.
        const billable = rows.filter((r) => r.billable !== false);
        if (billable.length !== rows.length) rows = billable.map((r) => ({ ...r, resultCount: billable.length }));
      }
      if (this.options.truncateRowsTo !== undefined) rows = rows.slice(0, this.options.truncateRowsTo);
      return send(200, rows);
    }
    send(404, { message: `No endpoint ${url.pathname}` });
  }
}
