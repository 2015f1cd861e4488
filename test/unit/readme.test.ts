import { existsSync, readFileSync } from 'node:fs';
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
    expect(GENERATED_SECTIONS.parameters!()).toContain('`MaxZeroedPercent`');
  });

  it('show the two quick-start commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});

describe('README examples', () => {
  it('name files that exist: every examples/ file a command points at is shipped', () => {
    const named = [...new Set(readme.match(/examples\/[\w.-]+/g) ?? [])];
    expect(named.length).toBeGreaterThan(2);
    for (const file of named) expect([file, existsSync(path.join(PACKAGE_ROOT, file))]).toEqual([file, true]);
  });

  it('the example parameters and secrets pass validation, as `jobs add` would check them', async () => {
    const { ConfigurationValidator } = await import('../../src/config/validateConfiguration.js');
    const text = (file: string): string => readFileSync(path.join(PACKAGE_ROOT, 'examples', file), 'utf8');
    expect(new ConfigurationValidator().validate(text('parameters.json'), text('secrets.example.json')).ok).toBe(true);
  });

  it('list the CSV columns --atria-file expects, from the one mapping that reads them', async () => {
    const { CSV_COLUMNS } = await import('../../src/gateways/atria/mapping.js');
    for (const column of Object.values(CSV_COLUMNS)) expect(readme).toContain(`\`${column}\``);
  });
});
