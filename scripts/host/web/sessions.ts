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
 * Failed sign-ins are slowed: each answer after a failure waits one second per failure in a row
 * (at most 30), and sign-ins are checked one at a time, so guessing costs real time. A success resets it.
 */
export class SignInThrottle {
  private failures = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly stepMs = 1000,
    private readonly maxMs = 30_000,
  ) {}

  attempt(check: () => Promise<boolean>): Promise<boolean> {
    const result = this.queue.then(async () => {
      const ok = await check();
      if (ok) {
        this.failures = 0;
        return true;
      }
      this.failures++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.stepMs * this.failures, this.maxMs)));
      return false;
    });
    this.queue = result.catch(() => undefined);
    return result;
  }
}
