import { logCodeCatalog } from './codes.js';
import type { LogEntry } from '../host/api.js';

/** Excel reads a UTF-8 CSV correctly only with a byte-order mark. */
export const UTF8_BOM = '\uFEFF';

/**
 * One CSV cell that Excel opens as text whatever its list separator (`,` or `;`, much of Europe):
 * a cell holding a separator, a quote, a tab or a line break is quoted, and a formula lead (= + - @, a tab or a
 * carriage return) wherever a cell could start (the start, or after a separator or a line break, should anything
 * split it there, even behind quotes: `;""=` read with `;` is an empty quoted text and then `=`) gets an apostrophe,
 * so Excel never evaluates it.
 */
export function csvField(value: unknown): string {
  const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  const neutral = text.replace(/(?<=^|[,;\t\r\n])(?="*[=+\-@\t\r])/g, "'");
  return /[",;\t\r\n]/.test(neutral) ? `"${neutral.replace(/"/g, '""')}"` : neutral;
}

export function csvLine(fields: unknown[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}

export const LOG_CSV_COLUMNS = ['Timestamp', 'Level', 'Code', 'Message', 'Customer', 'SKU', 'Action'] as const;

/** What to do about an entry: its code's resolution in the catalog (the one source the README table renders too). */
export const actionFor = (code: string): string => logCodeCatalog().get(code)?.resolution ?? '';

export function logCsvHeader(): string {
  return UTF8_BOM + csvLine([...LOG_CSV_COLUMNS]);
}

export function logCsvRow(entry: LogEntry): string {
  return csvLine([entry.timestamp, entry.level, entry.code, entry.message, entry.customer, entry.sku, actionFor(entry.code)]);
}

export function logsToCsv(entries: Iterable<LogEntry>): string {
  let out = logCsvHeader();
  for (const entry of entries) out += logCsvRow(entry);
  return out;
}

export const logJsonLine = (entry: LogEntry): string => JSON.stringify(entry) + '\n';

/**
 * Control characters (CR, LF, ESC, the C1 range) and bidirectional overrides made visible: an Atria
 * customer name holding "\n... CW23 ... Success" must not forge a log line, nor an escape sequence
 * reach the terminal raw.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\r': '\\r', '\n': '\\n', '\t': '\\t' };
export const escapeControl = (text: string): string =>
  text.replace(UNPRINTABLE, (ch) => NAMED[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

export const logTextLine = (entry: LogEntry): string => `${entry.timestamp} ${entry.level} ${entry.code} ${escapeControl(entry.message)}\n`;
