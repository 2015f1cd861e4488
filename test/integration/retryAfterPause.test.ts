import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectWiseHttpClient } from '../../src/gateways/connectwise/httpClient.js';

/**
 * Review defect 3 (issue 23), spec 8: a 429's Retry-After pauses every lane, including requests that
 * were already waiting for their pace slot when it came.
 */
describe("a 429's Retry-After pause", () => {
  let server: Server;
  const arrivals: number[] = [];
  let refusedAt = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      arrivals.push(Date.now());
      if (arrivals.length === 1) {
        refusedAt = Date.now();
        response.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
        response.end(JSON.stringify({ code: 'RateLimit', message: 'slow down' }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('[]');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('holds the requests already waiting for a pace slot until the pause ends', async () => {
    const { port } = server.address() as AddressInfo;
    const client = new ConnectWiseHttpClient({
      baseUrl: `http://127.0.0.1:${port}/v4_6_release/apis/3.0`,
      credentials: { companyName: 'acme', publicKey: 'pub', privateKey: 'priv', clientId: 'client' },
      maxConcurrency: 4,
      // Paced at about 4 a second: the second, third and fourth requests wait 250, 500 and 750 ms for their slots.
      maxRequestsPerSecond: 4,
    });
    await Promise.all([1, 2, 3, 4].map((n) => client.request('GET', `/finance/agreements/${n}`, { idempotent: true })));
    expect(arrivals).toHaveLength(5);
    // Every request after the 429 arrives after its one-second pause (a few ms of clock skew allowed), none inside it.
    for (const at of arrivals.slice(1)) expect(at - refusedAt).toBeGreaterThanOrEqual(990);
    expect(client.stats).toMatchObject({ requests: 5, rateLimited: 1, retries: 1 });
  });
});
