import { readFile } from 'node:fs/promises';
import { parseLenientJson } from '../../util/lenientJson.js';
import { CsvSyntaxError, parseCsv } from '../../util/csv.js';
import type { AtriaGateway, AtriaRow, BillingPeriod } from './AtriaGateway.js';
import { AtriaError } from './errors.js';
import { CSV_COLUMNS, periodFromJson, rowFromCsv, rowFromJson } from './mapping.js';

/**
 * Atria data from a file: either `{ periods: [...], rows: { "<endDate>": [...] } }`, or the CSV
 * export of the Service Billing Summary report, which covers one period whose end date the
 * caller supplies (`--period-end`, or a dated BillingPeriod).
 */
export class FileAtriaGateway implements AtriaGateway {
  private loaded?: Promise<{ periods: BillingPeriod[]; rows: Map<string, AtriaRow[]> }>;

  constructor(
    private readonly filePath: string,
    private readonly csvPeriodEnd?: string,
  ) {}

  async listPeriods(): Promise<BillingPeriod[]> {
    return (await this.load()).periods;
  }

  async fetchRows(period: BillingPeriod): Promise<AtriaRow[]> {
    return (await this.load()).rows.get(period.endDate) ?? [];
  }

  private load(): Promise<{ periods: BillingPeriod[]; rows: Map<string, AtriaRow[]> }> {
    this.loaded ??= this.read();
    return this.loaded;
  }

  private async read(): Promise<{ periods: BillingPeriod[]; rows: Map<string, AtriaRow[]> }> {
    let text: string;
    try {
      text = await readFile(this.filePath, 'utf8');
    } catch (error) {
      throw new AtriaError('CW03', `cannot read Atria file ${this.filePath}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    return /\.csv$/i.test(this.filePath) ? this.fromCsv(text) : this.fromJson(text);
  }

  private fromJson(text: string): { periods: BillingPeriod[]; rows: Map<string, AtriaRow[]> } {
    let document: { periods?: unknown; rows?: unknown };
    try {
      document = parseLenientJson(text) as typeof document;
    } catch (error) {
      throw new AtriaError('CW13', `Atria file ${this.filePath}: ${(error as Error).message}`);
    }
    if (!document || !Array.isArray(document.periods) || typeof document.rows !== 'object' || document.rows === null) {
      throw new AtriaError('CW13', `Atria file ${this.filePath}: expected { "periods": [...], "rows": { "<endDate>": [...] } }`);
    }
    const rows = new Map<string, AtriaRow[]>();
    for (const [endDate, list] of Object.entries(document.rows as Record<string, unknown>)) {
      if (!Array.isArray(list)) throw new AtriaError('CW13', `Atria file ${this.filePath}: rows["${endDate}"] is not an array`);
      rows.set(endDate, list.map(rowFromJson));
    }
    return { periods: document.periods.map(periodFromJson), rows };
  }

  private fromCsv(text: string): { periods: BillingPeriod[]; rows: Map<string, AtriaRow[]> } {
    if (!this.csvPeriodEnd) {
      throw new AtriaError(
        'CW13',
        `Atria CSV ${this.filePath} covers one period: give its end date with --period-end or a dated BillingPeriod`,
      );
    }
    let records: Record<string, string>[];
    try {
      records = parseCsv(text);
    } catch (error) {
      if (error instanceof CsvSyntaxError) throw new AtriaError('CW13', `Atria CSV ${this.filePath}: ${error.message}`);
      throw error;
    }
    const header = new Set(Object.keys(records[0] ?? {}));
    const missing = [CSV_COLUMNS.customerCode, CSV_COLUMNS.productSku, CSV_COLUMNS.thisMonthCount].filter(
      (c) => records.length > 0 && !header.has(c),
    );
    if (missing.length > 0) throw new AtriaError('CW13', `Atria CSV ${this.filePath}: missing column(s) ${missing.join(', ')}`);
    // ResultCount counts the whole export, non-billable lines included; the pipeline checks it, then drops those lines.
    const rows = records.map(rowFromCsv);
    const period: BillingPeriod = { startDate: monthlyPeriodStart(this.csvPeriodEnd), endDate: this.csvPeriodEnd, status: 'Closed' };
    return { periods: [period], rows: new Map([[this.csvPeriodEnd, rows]]) };
  }
}

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();
const isoDate = (year: number, month: number, day: number): string => new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);

/**
 * The export does not carry the period's start; Atria periods are monthly. A period ending on a
 * month's last day is that calendar month (2026-02-28 → 2026-02-01, 2028-02-29 → 2028-02-01);
 * one ending on day d starts on day d + 1 of the month before (2026-11-25 → 2026-10-26), or on the
 * 1st of the end's month when that month before has no day d + 1 (2026-03-30 → 2026-03-01).
 */
export function monthlyPeriodStart(endDate: string): string {
  const [year, month, day] = endDate.split('-').map(Number) as [number, number, number];
  if (day === daysInMonth(year, month)) return isoDate(year, month, 1);
  const [prevYear, prevMonth] = month === 1 ? [year - 1, 12] : [year, month - 1];
  if (day + 1 > daysInMonth(prevYear, prevMonth)) return isoDate(year, month, 1);
  return isoDate(prevYear, prevMonth, day + 1);
}
