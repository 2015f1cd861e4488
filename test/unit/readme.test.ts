import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/schemas.js';
import { GENERATED_SECTIONS, renderReadme } from '../../scripts/docs/referenceTables.js';
import { logCodeCatalog } from '../../src/logging/codes.js';

const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');

describe('README reference sections', () => {
  it('are exactly what the schemas generate (run `npm run docs` after changing a schema)', () => {
    expect(renderReadme(readme)).toBe(readme);
  });

  it('list every log code and every parameter', () => {
    for (const code of logCodeCatalog().keys()) expect(readme).toContain(`| ${code} |`);
    expect(GENERATED_SECTIONS.parameters()).toContain('`MaxZeroedPercent`');
  });

  it('show the two quick-start commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
