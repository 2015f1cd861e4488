import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface AtriaPeriod {
  startDate: string;
  endDate: string;
  status: 'Open' | 'Closed';
}

/** A row as Atria's API returns it (camelCase), counts as numbers or whatever a test wants to send. */
export interface AtriaApiRow {
  customerCode: string;
  customerName: string;
  customerAccountCode: string;
  productSku: string;
  summaryGrouping: string;
  lastMonthCount: unknown;
  thisMonthCount: unknown;
  resultCount: unknown;
  [key: string]: unknown;
}

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
}

/** Atria's billing API as the gateway assumes it (spec section 10), on loopback only. */
export class AtriaSandbox {
  readonly requests: { path: string; status: number }[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    public data: AtriaData,
    readonly options: AtriaSandboxOptions,
  ) {}

  static async start(data: AtriaData, options: AtriaSandboxOptions): Promise<AtriaSandbox> {
    const server = http.createServer();
    const sandbox = new AtriaSandbox(server, data, options);
    server.on('request', (req, res) => void sandbox.handle(req, res));
    server.on('connection', (socket) => {
      sandbox.sockets.add(socket);
      socket.on('close', () => sandbox.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    return sandbox;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
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
      let rows = this.data.rows[period] ?? [];
      if (url.searchParams.get('billableOnly') !== 'true') rows = rows.map((r) => ({ ...r }));
      if (this.options.truncateRowsTo !== undefined) rows = rows.slice(0, this.options.truncateRowsTo);
      return send(200, rows);
    }
    send(404, { message: `No endpoint ${url.pathname}` });
  }
}
