import { readFileSync, writeFileSync } from 'node:fs';
import { logCodeCatalog } from '../../src/logging/codes.js';
import { parametersSchema, secretsSchema, type JsonSchema } from '../../src/schemas.js';

/** The README's reference sections, generated from the schemas so they cannot drift. */
const cell = (text: unknown): string =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
const typeOf = (p: Record<string, unknown>): string =>
  Array.isArray(p.enum)
    ? (p.enum as string[]).map((e) => `\`${e}\``).join(' \\| ')
    : p.type === 'array'
      ? `${(p.items as { type: string }).type}[]`
      : String(p.type);

function propertyTable(schema: JsonSchema, withDefault: boolean): string {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const header = withDefault ? '| name | type | default | meaning |\n|---|---|---|---|' : '| name | type | meaning |\n|---|---|---|';
  const rows = Object.entries(schema.properties ?? {}).map(([name, p]) => {
    const def = required.has(name) ? 'required' : p.default === undefined ? '' : `\`${JSON.stringify(p.default)}\``;
    const range = p.minimum !== undefined && p.maximum !== undefined ? ` (${p.minimum as number}–${p.maximum as number})` : '';
    const meaning = `**${cell(p.title)}.** ${cell(p.description)}`;
    return withDefault ? `| \`${name}\` | ${typeOf(p)}${range} | ${def} | ${meaning} |` : `| \`${name}\` | ${typeOf(p)} | ${meaning} |`;
  });
  return [header, ...rows].join('\n');
}

function logCodeTable(): string {
  const rows = [...logCodeCatalog().values()].map(
    (c) => `| ${c.code} | ${c.level} | ${cell(c.title)} | ${cell(c.message)} | ${cell(c.resolution ?? '')} |`,
  );
  return ['| code | level | when | message | what to do |', '|---|---|---|---|---|', ...rows].join('\n');
}

export const GENERATED_SECTIONS: Record<string, () => string> = {
  parameters: () => propertyTable(parametersSchema(), true),
  secrets: () => propertyTable(secretsSchema(), false),
  'log-codes': logCodeTable,
};

const marker = (name: string, edge: 'start' | 'end'): string => `<!-- generated:${name}:${edge} -->`;

/** The README with every generated section replaced by its current text. */
export function renderReadme(readme: string): string {
  let out = readme;
  for (const [name, render] of Object.entries(GENERATED_SECTIONS)) {
    const start = out.indexOf(marker(name, 'start'));
    const end = out.indexOf(marker(name, 'end'));
    if (start < 0 || end < start) throw new Error(`README lacks the markers for ${name}`);
    out = out.slice(0, start + marker(name, 'start').length) + '\n' + render() + '\n' + out.slice(end);
  }
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/scripts\//, 'scripts/'))) {
  writeFileSync('README.md', renderReadme(readFileSync('README.md', 'utf8')));
  console.log('README.md reference sections regenerated');
}
