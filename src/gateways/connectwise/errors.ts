import { CodedError } from '../../errors.js';

export interface ConnectWiseErrorBody {
  code?: string;
  message?: string;
  errors?: { code?: string; message?: string; resource?: string; field?: string }[];
}

export type ConnectWiseFailure = 'network' | 'status' | 'unreadable' | 'retryBudget';

/**
 * A ConnectWise request that failed, with the status and ConnectWise's own error body.
 * `outcomeUnknown` marks a write that may have been applied (timeout, reset, 5xx).
 * The code is CW13 for an unreadable body, otherwise CW02; stages re-code per context (CW10, CW12).
 */
export class ConnectWiseError extends CodedError {
  constructor(
    readonly kind: ConnectWiseFailure,
    readonly method: string,
    readonly path: string,
    readonly detail: string,
    readonly status?: number,
    readonly body?: ConnectWiseErrorBody,
    readonly outcomeUnknown = false,
    /** The client gave up waiting (a timeout): ConnectWise may still be working on the request. */
    readonly timedOut = false,
  ) {
    const message = `${method} ${path}: ${describe(detail, status, body)}`;
    super(kind === 'unreadable' ? 'CW13' : 'CW02', { error: message }, message);
  }
}

function describe(detail: string, status?: number, body?: ConnectWiseErrorBody): string {
  const parts = [status === undefined ? detail : `HTTP ${status}`];
  if (body?.code) parts.push(body.code);
  if (body?.message) parts.push(body.message);
  for (const e of body?.errors ?? []) parts.push(`${e.field ?? e.resource ?? ''}: ${e.message ?? e.code ?? ''}`.trim());
  if (status !== undefined && detail) parts.push(detail);
  return parts.filter(Boolean).join(' — ');
}

export function parseErrorBody(text: string): ConnectWiseErrorBody | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object') {
      const { code, message, errors } = parsed as ConnectWiseErrorBody;
      return {
        code: typeof code === 'string' ? code : undefined,
        message: typeof message === 'string' ? message.slice(0, 500) : undefined,
        errors: Array.isArray(errors) ? errors.slice(0, 10) : undefined,
      };
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone describes it.
  }
  return undefined;
}
