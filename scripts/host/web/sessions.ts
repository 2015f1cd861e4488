import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  id: string;
  /** Sent back on every state-changing request (header X-CSRF-Token): a page of another site cannot read it. */
  csrfToken: string;
  lastSeen: number;
}

/** A session ends after this long without a request. */
const IDLE_MS = 60 * 60 * 1000;

/** 256 random bits: a session id or a CSRF token. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** Sessions live in the console's memory only: restarting the console signs everyone out. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  create(): Session {
    const session = { id: newToken(), csrfToken: newToken(), lastSeen: this.now() };
    this.sessions.set(session.id, session);
    return session;
  }

  find(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (this.now() - session.lastSeen > IDLE_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeen = this.now();
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }
}

export const sameToken = (a: string | undefined, b: string): boolean => {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Slows wrong passwords per client (its address and its sign-in cookie): each failure in a row makes
 * that client's next answer wait a step longer, up to a cap, and its attempts go one at a time. Other
 * clients are never queued behind it, so a correct password from the administrator's browser is
 * checked at once however many wrong ones another process sends.
 */
export class SignInThrottle {
  private readonly clients = new Map<string, { failures: number; queue: Promise<unknown> }>();

  constructor(
    private readonly stepMs = 1000,
    private readonly maxMs = 30_000,
    /** Clients remembered at most (the oldest are forgotten first): a flood of new cookies cannot grow memory. */
    private readonly maxClients = 10_000,
  ) {}

  attempt(client: string, check: () => Promise<boolean>): Promise<boolean> {
    const state = this.clients.get(client) ?? { failures: 0, queue: Promise.resolve() };
    this.clients.delete(client);
    this.clients.set(client, state);
    if (this.clients.size > this.maxClients) this.clients.delete(this.clients.keys().next().value!);
    const result = state.queue.then(async () => {
      if (await check()) {
        state.failures = 0;
        return true;
      }
      state.failures++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.stepMs * state.failures, this.maxMs)));
      return false;
    });
    state.queue = result.catch(() => undefined);
    return result;
  }
}
