/** What a run cost in ConnectWise requests; the benchmark and the CLI's summary read it. */
export interface RequestStats {
  requests: number;
  byKind: Record<string, number>;
  retries: number;
  rateLimited: number;
  gaveUp: number;
  /** POSTs whose outcome was lost (timeout, reset, 5xx): ConnectWise may still apply them late. */
  unknownOutcomes: number;
  /** The pace allowed now (requests per second), once a 429 or MaxRequestsPerSecond set one. */
  pacePerSecond?: number;
}

export const emptyStats = (): RequestStats => ({ requests: 0, byKind: {}, retries: 0, rateLimited: 0, gaveUp: 0, unknownOutcomes: 0 });

/** `GET /finance/agreements/123/additions` → `GET /finance/agreements/{id}/additions`. */
export const requestKind = (method: string, path: string): string => `${method} ${path.replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
