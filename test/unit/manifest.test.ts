import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createAjv } from '../../src/config/schemaValidator.js';
import { activate } from '../../src/index.js';
import type { TaskType } from '../../src/host/api.js';
import { PACKAGE_ROOT, manifest, readPackageJson } from '../../src/schemas.js';

describe('extension manifest', () => {
  const m = manifest();

  it('validates against its own schema', () => {
    const validate = createAjv().compile(readPackageJson('schemas/manifest.schema.json'));
    expect(validate(structuredClone(m))).toBe(true);
    expect(validate.errors ?? null).toBeNull();
  });

  it.each(['parameters', 'secrets', 'manifest'])(
    'schemas/%s.schema.json is a valid JSON Schema (checked here, not at every run start)',
    (name) => {
      const ajv = createAjv({ validateSchema: true });
      expect(ajv.validateSchema(readPackageJson(`schemas/${name}.schema.json`))).toBe(true);
      expect(ajv.errors ?? null).toBeNull();
    },
  );

  it('rejects a manifest without task types (the schema can fail)', () => {
    const validate = createAjv().compile(readPackageJson('schemas/manifest.schema.json'));
    expect(validate({ ...m, taskTypes: [] })).toBe(false);
  });

  it("has package.json's version", () => {
    const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(m.version).toBe(pkg.version);
  });

  it('names schema files that exist, and an entry that the build produces', () => {
    for (const t of m.taskTypes) {
      expect(existsSync(path.join(PACKAGE_ROOT, t.parametersSchema))).toBe(true);
      expect(existsSync(path.join(PACKAGE_ROOT, t.secretsSchema))).toBe(true);
    }
    expect(m.entry).toBe('dist/index.js');
    expect(existsSync(path.join(PACKAGE_ROOT, m.entry))).toBe(true); // npm test builds before jest runs
  });

  it('names in its form hints only parameters its parameters schema defines (Advanced, period pickers)', () => {
    for (const taskType of manifest().taskTypes) {
      const schema = readPackageJson<{ properties: Record<string, { pattern?: string }> }>(taskType.parametersSchema);
      const named = [...(taskType.form?.advanced ?? []), ...(taskType.form?.period ?? [])];
      expect(named.filter((name) => !(name in schema.properties))).toEqual([]);
      // A period picker offers Previous, Current or a date: the field must take exactly those.
      for (const name of taskType.form?.period ?? [])
        expect(schema.properties[name]!.pattern).toBe('^(Previous|Current|[0-9]{4}-[0-9]{2}-[0-9]{2})$');
    }
  });

  it('declares exactly the task types that activate registers', () => {
    const registered: TaskType[] = [];
    activate({ hostApiVersion: m.hostApiVersion, registerTaskType: (t) => registered.push(t) });
    expect(registered.map((t) => [t.id, t.displayName])).toEqual(m.taskTypes.map((t) => [t.id, t.displayName]));
    expect(registered[0]!.displayName).toBe('ConnectWise Manage Billing');
    expect(m.taskTypes[0]!.capabilities.sort()).toEqual(['applyPlan', 'check', 'dryRun']);
    expect(m.taskTypes[0]!.defaultSchedule).toBe('0 22 26 * *');
  });

  it('refuses a host with another API version', () => {
    expect(() => activate({ hostApiVersion: m.hostApiVersion + 1, registerTaskType: () => undefined })).toThrow(/host API version/);
  });
});
