import fc from 'fast-check';
import { and, inList, isQuotable, quote, UnquotableValueError } from '../../src/gateways/connectwise/conditions.js';
import { JsonSyntaxError, parseLenientJson } from '../../src/util/lenientJson.js';
import { ConfigurationValidator } from '../../src/config/validateConfiguration.js';
import { CsvSyntaxError, parseCsv, parseCsvRows } from '../../src/util/csv.js';
import { parseConditions, type Condition } from '../../scripts/sandbox/conditions.js';

const anyText = fc.string({ unit: 'binary', maxLength: 60 });

describe('conditions builder (property-based, against the sandbox parser)', () => {
  it('any string either round-trips as the same value or is refused before sending', () => {
    fc.assert(
      fc.property(anyText, (value) => {
        let built: string;
        try {
          built = `identifier=${quote(value)}`;
        } catch (error) {
          expect(error).toBeInstanceOf(UnquotableValueError);
          expect(isQuotable(value)).toBe(false);
          return;
        }
        const parsed = parseConditions(built) as Extract<Condition, { kind: 'compare' }>;
        expect(parsed).toEqual({ kind: 'compare', field: ['identifier'], op: '=', value });
      }),
      { numRuns: 2000 },
    );
  });

  it('an in-list of quotable strings parses back to the same values, inside a larger expression', () => {
    fc.assert(
      fc.property(fc.array(anyText.filter(isQuotable), { minLength: 1, maxLength: 8 }), (values) => {
        const parsed = parseConditions(and(inList('company/identifier', values), 'cancelledFlag=false')) as { left: Condition };
        expect(parsed.left).toEqual({ kind: 'in', field: ['company', 'identifier'], values, negated: false });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('configuration parser (property-based)', () => {
  it('reads any JSON document as JSON.parse does, with or without trailing commas', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value, null, 1);
        expect(parseLenientJson(text)).toEqual(JSON.parse(text));
        const trailing = text.replace(/(\n\s*)([}\]])/g, ',$1$2');
        expect(parseLenientJson(trailing)).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('any text either parses or fails with a JsonSyntaxError carrying a line and column', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
        ),
        (text) => {
          try {
            parseLenientJson(text);
          } catch (error) {
            expect(error).toBeInstanceOf(JsonSyntaxError);
            expect((error as JsonSyntaxError).line).toBeGreaterThanOrEqual(1);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the validator never throws: any parameters and secrets give a configuration or coded problems', () => {
    const validator = new ConfigurationValidator();
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), anyText, fc.record({ apiUrl: anyText, MaxConcurrency: fc.anything(), BillingPeriod: anyText })),
        fc.oneof(fc.anything(), fc.dictionary(anyText, anyText)),
        (p, s) => {
          const outcome = validator.validate(p, s);
          if (!outcome.ok) {
            expect(outcome.problems.length).toBeGreaterThan(0);
            for (const problem of outcome.problems) expect(['CW16', 'CW17', 'CW18', 'CW19']).toContain(problem.code);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('CSV reader (property-based)', () => {
  const encode = (rows: string[][]): string =>
    rows
      .map((row) => row.map((cell) => (/[",\r\n]/.test(cell) || cell === '' ? `"${cell.replace(/"/g, '""')}"` : cell)).join(','))
      .join('\r\n') + '\r\n';

  it('reads back any table written per RFC 4180', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((width) =>
          fc.array(fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { minLength: width, maxLength: width }), {
            minLength: 1,
            maxLength: 10,
          }),
        ),
        (rows) => {
          expect(parseCsvRows(encode(rows))).toEqual(rows);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('any text either parses or fails with a CsvSyntaxError', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        try {
          parseCsv(text);
        } catch (error) {
          expect(error).toBeInstanceOf(CsvSyntaxError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
