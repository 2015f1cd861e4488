import type { LogEntry, LogLevel } from '../../src/host/api.js';
import { levelRank, actionFor, escapeControl, logsToCsv } from '../../src/index.js';

export interface LogQuery {
  level?: LogLevel;
  minLevel?: LogLevel;
  code?: string;
  /** One customer's entries (its code as the entries carry it; customers sharing a company show as A+B). */
  customer?: string;
  /** Searches code and message, case-insensitive, as the vendor's log view does. */
  search?: string;
  sort?: 'code' | 'level' | 'time';
  /** The other way round: newest, highest code or least severe first. */
  descending?: boolean;
}

/** The log viewer: filter by level and code, search code and message, sort by code, level (most severe first) or time. */
export function queryLog(entries: readonly LogEntry[], query: LogQuery): LogEntry[] {
  const needle = query.search?.toLowerCase();
  const filtered = entries.filter(
    (e) =>
      (!query.level || e.level === query.level) &&
      (!query.minLevel || levelRank(e.level) >= levelRank(query.minLevel)) &&
      (!query.code || e.code.toLowerCase() === query.code.toLowerCase()) &&
      (!query.customer || e.customer === query.customer) &&
      (!needle || e.code.toLowerCase().includes(needle) || e.message.toLowerCase().includes(needle)),
  );
  const order = filtered.map((entry, index) => ({ entry, index }));
  const by = {
    code: (a: LogEntry, b: LogEntry) => a.code.localeCompare(b.code),
    level: (a: LogEntry, b: LogEntry) => levelRank(b.level) - levelRank(a.level),
    time: (a: LogEntry, b: LogEntry) => a.timestamp.localeCompare(b.timestamp),
  }[query.sort ?? 'time'];
  const sign = query.descending ? -1 : 1;
  return order.sort((a, b) => sign * (by(a.entry, b.entry) || a.index - b.index)).map((o) => o.entry);
}

export function formatLog(entries: readonly LogEntry[], format: 'table' | 'csv' | 'json'): string {
  if (format === 'csv') return logsToCsv(entries);
  if (format === 'json') return JSON.stringify(entries, null, 2) + '\n';
  return (
    entries
      .map((e) => {
        const action = actionFor(e.code);
        return escapeControl(
          `${e.timestamp}  ${e.level.padEnd(7)}  ${e.code}  ${e.message}${e.customer ? `  [${e.customer}${e.sku ? ` / ${e.sku}` : ''}]` : ''}${action && e.level !== 'Info' && e.level !== 'Verbose' ? `  | Fix: ${action}` : ''}`,
        );
      })
      .join('\n') + (entries.length ? '\n' : '')
  );
}
