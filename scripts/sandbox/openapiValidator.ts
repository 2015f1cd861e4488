import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** ConnectWise's published OpenAPI subset (version 2025.8), copied verbatim beside this file. */
function subsetPath(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'manage-openapi-subset.json');
}

export interface BodyValidators {
  addition: ValidateFunction;
  patchOperations: ValidateFunction;
}

let cached: BodyValidators | undefined;

/**
 * Validators for request bodies, compiled from ConnectWise's published schemas. One deliberate
 * change: the spec types PatchOperation.value as an object, but the real API takes any JSON value
 * (a number for quantity), so `value` is left untyped here.
 */
export function bodyValidators(): BodyValidators {
  if (cached) return cached;
  const document = JSON.parse(readFileSync(subsetPath(), 'utf8')) as { components: { schemas: Record<string, Record<string, unknown>> } };
  const schemas = structuredClone(document.components.schemas);
  (schemas.PatchOperation!.properties as Record<string, unknown>).value = {};
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: under ESM its plugin is the `.default` of the module object.
  addFormats.default(ajv);
  for (const format of ['int32', 'int64', 'double', 'float']) ajv.addFormat(format, true);
  ajv.addSchema({ $id: 'cw', components: { schemas } });
  cached = {
    addition: ajv.compile({ $ref: 'cw#/components/schemas/Addition' }),
    patchOperations: ajv.compile({ type: 'array', minItems: 1, items: { $ref: 'cw#/components/schemas/PatchOperation' } }),
  };
  return cached;
}
