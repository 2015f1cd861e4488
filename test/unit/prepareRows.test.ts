// Atria's rows as they become billing lines (prepareBillingData), in the combinations the generated
// months never produce: several rows of one line disagreeing, filters typed with spaces, counts that
// are strings, and the exact words CW28, CW36, CW13 and CW19 give the administrator.
import type { AtriaRow } from '../../src/gateways/atria/AtriaGateway.js';
import { prepareBillingData, type PrepareSettings } from '../../src/pipeline/prepareBillingData.js';
import { resolvePeriod } from '../../src/pipeline/resolvePeriod.js';
import { checkSafetyGuard } from '../../src/pipeline/safetyGuard.js';
import type { PlannedChange } from '../../src/pipeline/types.js';
import { atriaRow, completeExport } from '../support/atriaRows.js';

const row = atriaRow;
const complete = completeExport;
const settings = (over: Partial<PrepareSettings> = {}): PrepareSettings => ({
  customersFilter: [],
  periodEnd: '2026-11-25',
  maxQuantity: 1000,
  ...over,
});
const prepare = (rows: AtriaRow[], over: Partial<PrepareSettings> = {}) => prepareBillingData(complete(rows), settings(over));

describe('several rows of one customer and SKU', () => {
  it("last month is unknown for the line when any of its rows' last month cannot be read, in either order", () => {
    for (const rows of [
      [row('a', 'X1', 2, { lastMonthCount: 'n/a' }), row('a', 'X1', 3, { lastMonthCount: 3 })],
      [row('a', 'X1', 2, { lastMonthCount: 2 }), row('a', 'X1', 3, { lastMonthCount: null })],
    ]) {
      const line = prepare(rows).data.customers[0]!.lines.get('x1')!;
      expect([line.quantity, line.lastMonth]).toEqual([5, null]);
    }
    const summed = prepare([row('a', 'X1', 2, { lastMonthCount: 1 }), row('a', 'X1', 3, { lastMonthCount: 4 })]);
    expect(summed.data.customers[0]!.lines.get('x1')!.lastMonth).toBe(5);
  });

  it('a row repeated after a different one is still a duplicate (the third row of the line is compared with both)', () => {
    const { data, entries } = prepare([row('a', 'X1', 2, { summaryGrouping: 'Users' }), row('a', 'X1', 3), row('a', 'X1', 3)]);
    expect(data.customers[0]!.lines.has('x1')).toBe(false);
    expect(entries).toEqual([
      {
        code: 'CW28',
        params: {
          customerCode: 'a',
          customerName: 'a Ltd',
          sku: 'X1',
          lineDescription: 'X1 line',
          value: '3 (this row appears more than once in the export, identical in every column)',
        },
        details: { customer: 'a', sku: 'X1', data: { thisMonthCount: 3, reason: 'duplicated row' } },
      },
    ]);
  });

  it('once a SKU is left alone for a customer, its later valid rows do not bring it back', () => {
    const { data, entries } = prepare([row('a', 'X1', 'five'), row('a', 'X1', 3), row('a', 'Y2', 1)]);
    expect([...data.customers[0]!.lines.keys()]).toEqual(['y2']);
    expect(entries.map((e) => e.code)).toEqual(['CW28']);
  });

  it("the customer's account code is the first row's, or a later row's when the first had none", () => {
    const first = prepare([row('a', 'X1', 1), row('a', 'Y2', 1, { customerAccountCode: 'OTHER' })]);
    expect(first.data.customers[0]!.accountCode).toBe('A');
    const later = prepare([row('a', 'X1', 1, { customerAccountCode: '' }), row('a', 'Y2', 1)]);
    expect(later.data.customers[0]!.accountCode).toBe('A');
  });

  it('a SKU with spaces around it is the same SKU', () => {
    const { data } = prepare([row('a', ' X1 ', 2), row('a', 'x1', 3)]);
    expect([...data.customers[0]!.lines.entries()].map(([key, line]) => [key, line.quantity])).toEqual([['x1', 5]]);
  });

  it('a row without a grouping gives the line no grouping', () => {
    expect(prepare([row('a', 'X1', 1, { summaryGrouping: '' })]).data.customers[0]!.lines.get('x1')!.groupings).toEqual([]);
  });
});

describe('billed SKUs (what AllManagedSkus may zero elsewhere)', () => {
  it('a count that is not a number, or a row without a SKU, bills no SKU, even when it reads as above 0', () => {
    const { data } = prepare([row('a', 'X1', '5'), row('a', '', 2), row('b', 'Y2', 1)]);
    expect([...data.billedSkus.keys()]).toEqual(['y2']);
  });
});

describe('CustomersFilter', () => {
  it('codes typed with spaces around them still match, and are not reported absent', () => {
    const { data, entries } = prepare([row('a', 'X1', 1), row('b', 'X1', 1)], { customersFilter: [' A '] });
    expect(data.customers.map((c) => c.code)).toEqual(['a']);
    expect(entries).toEqual([]);
  });
  it('a filter that matches nobody says so on each absent code; one that matches somebody does not', () => {
    const none = prepare([row('a', 'X1', 1)], { customersFilter: ['zz'] }).entries;
    expect(none).toEqual([
      {
        code: 'CW25',
        params: { customerCode: 'zz', periodEnd: '2026-11-25' },
        details: { customer: 'zz', suffix: ' — CustomersFilter matches no customer in this period, so nothing was processed' },
      },
    ]);
    const some = prepare([row('a', 'X1', 1)], { customersFilter: ['a', 'zz'] }).entries;
    expect(some).toEqual([
      { code: 'CW25', params: { customerCode: 'zz', periodEnd: '2026-11-25' }, details: { customer: 'zz', suffix: undefined } },
    ]);
  });
});

describe('what CW28 says of a count', () => {
  const valueOf = (count: unknown) => {
    const [entry] = prepare([row('a', 'X1', count)]).entries;
    return [entry!.params.value, entry!.details.data];
  };
  it.each([
    [undefined, '(missing)', null],
    [null, '(missing)', null],
    ['', '(missing)', ''],
    ['seven', '"seven"', 'seven'],
    [1.5, '1.5', 1.5],
    [1001, '1001 (above MaxQuantity 1000)', 1001],
    [1e20, '100000000000000000000', 1e20],
  ])('%p → %s', (count, value, data) => {
    expect(valueOf(count)).toEqual([value, { thisMonthCount: data, reason: 'invalid count' }]);
  });
  it('a long value is cut at 40 characters; one of exactly 40 is kept whole', () => {
    const long = 'x'.repeat(45);
    expect(valueOf(long)[0]).toBe(`"${'x'.repeat(39)}…`);
    const forty = 'y'.repeat(38);
    expect(valueOf(forty)[0]).toBe(`"${forty}"`);
  });
});

describe('rows Atria marks not billable (CW36)', () => {
  it('one entry names the first five and counts the rest', () => {
    const free = Array.from({ length: 7 }, (_, i) => row(`c${i}`, 'X1', i, { billable: false }));
    const { entries, billableRows } = prepare([...free, row('a', 'Y2', 1)]);
    expect(billableRows).toBe(1);
    expect(entries).toEqual([
      {
        code: 'CW36',
        params: { count: 7, examples: 'c0 X1 0; c1 X1 1; c2 X1 2; c3 X1 3; c4 X1 4; and 2 more' },
        details: { data: { rows: 7 } },
      },
    ]);
    const two = prepare([row('a', 'X1', 1, { billable: false }), row('b', 'X1', 2, { billable: false })]).entries;
    expect(two[0]!.params.examples).toBe('a X1 1; b X1 2');
  });
});

describe('an export cut short (CW13)', () => {
  it('names up to five of the resultCounts the rows disagree on', () => {
    const rows = Array.from({ length: 7 }, (_, i) => row(`c${i}`, 'X1', 1, { resultCount: i + 10 }));
    expect(() => prepareBillingData(rows, settings())).toThrow(
      expect.objectContaining({
        code: 'CW13',
        params: { error: 'incomplete data from Atria: rows disagree on resultCount (10, 11, 12, 13, 14)' },
      }),
    );
  });
});

describe('the words of CW19 (no billing period)', () => {
  const periods = [{ startDate: '2026-11-26', endDate: '2026-12-25', status: 'Open' }];
  it.each([
    ['Current', '2026-11-20T10:00:00Z', "no Atria billing period contains today's date 2026-11-20"],
    ['Previous', '2026-12-01T10:00:00Z', 'no closed Atria billing period ends before 2026-12-01'],
    ['2026-01-05', '2026-12-01T10:00:00Z', 'no Atria billing period contains 2026-01-05'],
  ])('%s at %s', (setting, now, detail) => {
    expect(() => resolvePeriod(periods, setting, new Date(now))).toThrow(expect.objectContaining({ code: 'CW19', params: { detail } }));
  });
});

describe('the previous period', () => {
  it('is the latest one Atria has closed: one that has ended but is still open is not billed yet', () => {
    const periods = [
      { startDate: '2026-09-26', endDate: '2026-10-25', status: 'Closed' },
      { startDate: '2026-10-26', endDate: '2026-11-25', status: 'Open' },
      { startDate: '2026-11-26', endDate: '2026-12-25', status: 'Open' },
    ];
    expect(resolvePeriod(periods, 'Previous', new Date('2026-11-27T10:00:00Z')).endDate).toBe('2026-10-25');
  });
});

describe('the safety guard without matched additions', () => {
  it('has no base to take a share of, so it does not stop the run (no division by zero)', () => {
    const zeroes = Array.from({ length: 6 }, () => ({ action: 'zero' }) as PlannedChange);
    expect(() => checkSafetyGuard({ changes: zeroes, matchedAdditions: 0 }, 10)).not.toThrow();
  });
});
