import fc from 'fast-check';
import { csvField, csvLine } from '../../src/logging/writers.js';

/** Excel's reading of one CSV line with a given separator: quoted cells may hold anything, "" is a quote. */
function excelCells(line: string, separator: ',' | ';'): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '"' && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && c === '"') {
      quoted = false;
    } else if (quoted) {
      cell += c;
    } else if (c === '"' && cell === '') {
      quoted = true;
    } else if (c === separator) {
      cells.push(cell);
      cell = '';
    } else {
      cell += c;
    }
  }
  cells.push(cell);
  return cells;
}

const FORMULA_LEAD = /^[=+\-@\t\r]/;

/** Issue 20 item 7: a customer code like `PLAIN;=cmd|' /C calc'!A0` never becomes a formula in Excel, whatever its separator. */
describe('CSV cells for Excel in any locale', () => {
  it("the reported attack: quoted, and the formula after ';' neutralized", () => {
    expect(csvField("PLAIN;=cmd|' /C calc'!A0")).toBe(`"PLAIN;'=cmd|' /C calc'!A0"`);
    const line = csvLine(['AC', "PLAIN;=cmd|' /C calc'!A0", 'x']).trimEnd();
    expect(excelCells(line, ',')).toEqual(['AC', "PLAIN;'=cmd|' /C calc'!A0", 'x']);
    // Opened where ';' separates cells, the line splits differently, but the part after ';' starts with an apostrophe: text.
    expect(excelCells(line, ';')).toEqual(['AC,"PLAIN', `'=cmd|' /C calc'!A0",x`]);
  });

  it('any text is one cell where , separates, and no cell Excel sees with either separator starts a formula', () => {
    const tricky = fc.string({ unit: fc.constantFrom('=', '+', '-', '@', ';', ',', '"', '\t', '\r', '\n', 'a', ' ', "'", 'A1') });
    fc.assert(
      fc.property(fc.array(fc.oneof(tricky, fc.string()), { minLength: 1, maxLength: 4 }), (values) => {
        const line = csvLine(values).replace(/\r\n$/, '');
        expect(excelCells(line, ',')).toHaveLength(values.length);
        for (const separator of [',', ';'] as const) {
          for (const cell of excelCells(line, separator)) {
            expect(cell).not.toMatch(FORMULA_LEAD);
            // Nor after a separator or line break inside it, should another reader split the cell there.
            for (const part of cell.split(/[,;\t\r\n]/).slice(1)) expect(part).not.toMatch(/^[=+\-@]/);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('a formula behind quotes after a separator is neutralized too (found by the property above in CI)', () => {
    const line = csvLine(['', ';"=']).trimEnd();
    for (const separator of [',', ';'] as const) for (const cell of excelCells(line, separator)) expect(cell).not.toMatch(FORMULA_LEAD);
  });
});
