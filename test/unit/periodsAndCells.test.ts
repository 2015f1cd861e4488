import { execFileSync } from 'node:child_process';
import { monthlyPeriodStart } from '../../src/gateways/atria/fileAtriaGateway.js';
import { rowFromCsv } from '../../src/gateways/atria/mapping.js';
import { parseNow } from '../../src/cli/args.js';

describe('the CSV export period start (calendar arithmetic)', () => {
  const lastDay = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();
  const pad = (n: number): string => String(n).padStart(2, '0');

  it('every month end from 2024 to 2032, leap years included, starts on the 1st of that month', () => {
    for (let year = 2024; year <= 2032; year++) {
      for (let month = 1; month <= 12; month++) {
        const end = `${year}-${pad(month)}-${pad(lastDay(year, month))}`;
        expect([end, monthlyPeriodStart(end)]).toEqual([end, `${year}-${pad(month)}-01`]);
      }
    }
  });

  it.each([
    ['2026-03-31', '2026-03-01'],
    ['2026-02-28', '2026-02-01'],
    ['2028-02-29', '2028-02-01'],
    ['2028-02-28', '2028-01-29'], // not a month end in a leap year
    ['2026-11-25', '2026-10-26'],
    ['2026-01-25', '2025-12-26'],
    ['2026-03-30', '2026-03-01'], // no 31 February: the period starts on the 1st
    ['2026-05-30', '2026-05-01'], // no 31 April
    ['2026-12-30', '2026-12-01'],
  ])('%s → %s', (end, start) => {
    expect(monthlyPeriodStart(end)).toBe(start);
  });
});

describe('CSV count cells', () => {
  const cell = (value: string): unknown =>
    rowFromCsv({ 'Customer Code': 'A', 'Product SKU': 'X', 'This Month Count': value }).thisMonthCount;
  it.each([
    ['12', 12],
    ['1,500', 1500],
    ['1,234,567', 1234567],
    [' 7 ', 7],
  ])('%s is the number %s', (text, value) => {
    expect(cell(text)).toBe(value);
  });
  it.each(['1,5', '0x10', '1e3', '0b101', '1.0', '-1', '12,34', '1,5000', '+3', 'Infinity', '١٢'])(
    '%s stays text (CW28 shows it)',
    (text) => {
      expect(cell(text)).toBe(text);
    },
  );
  it('an empty cell is missing', () => {
    expect(cell('')).toBeUndefined();
  });
});

describe('--now', () => {
  // The zone is fixed when a process starts, so each zone gets a process of its own (the built CLI module).
  const inZone = (zone: string, text: string): string =>
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { parseNow } from './dist/cli/args.js'; const d = parseNow(${JSON.stringify(text)}); console.log(Number.isNaN(d.getTime()) ? 'NaN' : d.toISOString());`,
      ],
      { env: { PATH: process.env.PATH, TZ: zone }, encoding: 'utf8' },
    ).trim();

  it.each(['America/New_York', 'Asia/Tokyo', 'UTC'])('without an offset is UTC whatever TZ is (%s)', (zone) => {
    expect(inZone(zone, '2026-11-25T23:30:00')).toBe('2026-11-25T23:30:00.000Z');
    expect(inZone(zone, '2026-11-25')).toBe('2026-11-25T00:00:00.000Z');
    expect(inZone(zone, '2026-11-25T23:30:00+02:00')).toBe('2026-11-25T21:30:00.000Z');
    expect(inZone(zone, 'next tuesday')).toBe('NaN');
  });

  it('in this process too', () => {
    expect(parseNow('2026-11-25T23:30').toISOString()).toBe('2026-11-25T23:30:00.000Z');
  });
});
