/** The console's calls to its own server: same origin, the session cookie, and the CSRF token on every change. */

import type { LogLevel, PlanItem } from '../../../../src/host/api.js';

export type { PlanItem };
export type Level = LogLevel;

export interface JobSummary {
  id: string;
  name: string;
  taskType: string;
  taskTypeKey?: string;
  logLevel: Level;
  enabled: boolean;
  cron: string;
  timeZone: string;
  cronWords: string;
  nextRunAt: string | null;
  lastRun: { runId: string; status: string; startedAt: string; finishedAt?: string; dryRun?: boolean } | null;
  /** Approval mode: scheduled runs plan only and wait for Approve or Reject. */
  requireApproval?: boolean;
  /** Who hears about its runs; the webhook only as set or not. */
  notify?: { emails: string[]; webhookSet: boolean };
  /** When its last run awaits approval: the changes it would write and their monthly money. */
  awaiting?: { changes: number; change?: number; currency?: string } | null;
  parameters?: unknown;
}

export type JsonSchema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>>; required?: string[] };

export interface TaskTypeInfo {
  key: string;
  displayName: string;
  description: string;
  extension: string;
  defaultSchedule: string;
  parametersSchema: JsonSchema;
  secretsSchema: JsonSchema;
  /** The manifest's layout hints: tuning parameters under Advanced, fields taking Previous, Current or a date. */
  form: { advanced?: string[]; period?: string[] };
}

export interface Problem {
  field?: string;
  code?: string;
  level: Level;
  message: string;
}

export interface Entry {
  timestamp: string;
  level: Level;
  code: string;
  message: string;
  customer?: string;
  sku?: string;
  fix: string;
}

export interface RunInfo {
  runId: string;
  jobId: string;
  jobName: string;
  status: string;
  startedAt: string;
  finishedAt?: string;
  durationMs: number | null;
  counts?: Record<string, number>;
  /** The log could not be written to the end (a full disk): what happened. */
  logGap?: string;
  /** Planned only: nothing was written to ConnectWise. */
  dryRun?: boolean;
  trigger?: 'schedule' | 'run-now' | 'command-line' | 'apply' | 'approval' | 'revert';
  /** The dry run whose plan this run applied, or the run it reverts; and the other way round. */
  applies?: string;
  reverts?: string;
  appliedBy?: string;
  revertedBy?: string;
  /** The messages sent about it: each channel, to whom, and whether it went. */
  notifications?: { channel: 'email' | 'webhook'; target: string; ok: boolean; error?: string; at: string }[];
  /** How those runs ended (on a run's own page): a failed apply or revert can be tried again. */
  appliedByStatus?: string;
  revertedByStatus?: string;
  /** Approval mode: waiting for a person, or how it was decided. */
  approval?: { state: 'awaiting' | 'approved' | 'rejected' | 'superseded'; reviewStatus: string; decidedAt?: string; by?: string };
  /** Its warnings and errors (CW23 aside): the chart's line. */
  warningCount?: number;
  /** How many lines its plan held. */
  changes?: number;
  period?: { startDate: string; endDate: string };
  summary: string;
  figures: {
    written: { update: number; zero: number; create: number };
    planned: number;
    failed: number;
    skipped: { code: string; count: number; title: string }[];
    money: {
      basis: 'written' | 'planned';
      currency?: string;
      change: number;
      increases: number;
      decreases: number;
      created: number;
      zeroed: number;
      priced: number;
      unpriced: number;
      byCustomer: { customer: string; customerName?: string; change: number }[];
    };
  } | null;
  plan?: PlanItem[];
  /** In the list of all runs: the job was deleted since (its history stays). */
  jobDeleted?: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

const csrfToken = (): string => document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';

export async function call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        ...(method === 'GET' ? {} : { 'X-CSRF-Token': csrfToken() }),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    // The browser's own "Failed to fetch" says nothing an administrator can act on.
    throw new ApiError(0, 'The console could not be reached: is the host still running? Nothing was changed by this attempt.');
  }
  if (response.status === 401) {
    // The session ended (idle, or the console restarted): the sign-in page says so.
    window.location.assign('/login?ended=1');
    throw new ApiError(401, 'Your session ended: sign in again.');
  }
  const data = (await response.json().catch(() => ({}))) as { message?: string; problems?: Problem[] };
  if (!response.ok) throw new ApiError(response.status, data.message ?? `The server answered ${response.status}`, data.problems ?? []);
  return data as T;
}

export const query = (params: Record<string, string>): string => {
  const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
  const text = search.toString();
  return text ? `?${text}` : '';
};

/** A moment in the browser's own time zone, as an administrator reads it. */
export const localTime = (iso: string | null | undefined): string =>
  iso
    ? new Date(iso).toLocaleString(undefined, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      })
    : '—';

export function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** How far off a moment is, in words: "in 3 days", "in 5 minutes". */
export function fromNow(iso: string | null, now = Date.now()): string {
  if (!iso) return '';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];
  const [unit, size] = units.find(([, s]) => Math.abs(seconds) >= s) ?? ['second', 1];
  return new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(Math.round(seconds / size), unit);
}

/** An amount with its sign, two decimals and, when known, its currency code: +1,234.50 EUR. */
export function money(amount: number, currency?: string): string {
  const text = Math.abs(amount).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${amount < 0 ? '−' : '+'}${text}${currency && currency !== 'mixed' ? ` ${currency}` : ''}`;
}

/** Lines' monthly change summed to the cent, with their currency when they share one; undefined when none has a price. */
export function moneyOfLines(lines: readonly PlanItem[]): string | undefined {
  const priced = lines.filter((p) => p.amountChange !== undefined);
  if (priced.length === 0) return undefined;
  const cents = priced.reduce((sum, p) => sum + Math.round(p.amountChange! * 100), 0);
  const currencies = new Set(priced.map((p) => p.currency).filter(Boolean));
  return money(cents / 100, currencies.size === 1 ? [...currencies][0] : undefined);
}

/** The page's own state (tab, filters, sort, page) in the address after `?`, so a link or a reload keeps it. */
export function hashParams(): URLSearchParams {
  const at = window.location.hash.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : window.location.hash.slice(at + 1));
}

/** Replaces the page's state in the address (no history entry, no route change); empty values are left out. */
export function setHashParams(params: Record<string, string | number>): void {
  const base = window.location.hash.split('?')[0] ?? '';
  const text = new URLSearchParams(
    Object.entries(params)
      .filter(([, v]) => v !== '' && v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  ).toString();
  window.history.replaceState(null, '', text ? `${base}?${text}` : base || '#/');
}
