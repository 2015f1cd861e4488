import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Ajv as AjvInstance, ErrorObject, Options, ValidateFunction } from 'ajv';
import { PACKAGE_ROOT, type JsonSchema } from '../schemas.js';

/**
 * One ajv instance that knows our `secret` annotation keyword and fills defaults. Our schemas are
 * not checked against JSON Schema's meta-schema at run time (compiling it is most of a run's start-up);
 * a unit test checks each of them against it instead.
 */
export function createAjv(options: Pick<Options, 'validateSchema' | 'code'> = {}): AjvInstance {
  // Loaded only when a schema is compiled now (tests, the build, a schema changed since the build):
  // a run uses the build's generated validators, and its start-up does not pay for ajv's compiler.
  const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, validateSchema: false, ...options });
  ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });
  return ajv;
}

/** Where the build writes validators generated from schemas/ (ajv standalone code), so a run does not compile them. */
export const GENERATED_VALIDATORS = path.join(PACKAGE_ROOT, 'dist', 'config', 'validators.generated.cjs');

/** A schema's fingerprint: generated code serves only the exact schema it was generated from. */
export const schemaHash = (schema: JsonSchema): string => createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 16);

/**
 * The validator of one of our schemas: the build's generated code when it was made from this very
 * schema (start-up is then no compile at all), otherwise compiled now. Same ajv options either way.
 */
export function compile<T>(schema: JsonSchema, name?: string): ValidateFunction<T> {
  if (name && existsSync(GENERATED_VALIDATORS)) {
    const generated = createRequire(import.meta.url)(GENERATED_VALIDATORS) as Record<string, ValidateFunction<T> | string | undefined>;
    const validate = generated[name];
    if (typeof validate === 'function' && generated[`${name}Hash`] === schemaHash(schema)) return validate;
  }
  return createAjv().compile<T>(schema);
}

/** The property an error is about: the failing property, or the missing one for `required`. */
export function errorProperty(error: ErrorObject): string {
  if (error.keyword === 'required') return String(error.params.missingProperty);
  if (error.keyword === 'additionalProperties') return String(error.params.additionalProperty);
  return error.instancePath.split('/')[1] ?? '';
}

/** The JSON path of an error, e.g. `/CustomersFilter/0`, or `/apiUrl` for a missing property. */
export function errorPath(error: ErrorObject): string {
  if (error.keyword === 'required') return `${error.instancePath}/${String(error.params.missingProperty)}`;
  if (error.keyword === 'additionalProperties') return `${error.instancePath}/${String(error.params.additionalProperty)}`;
  return error.instancePath || '/';
}

/** Names of the properties the schema marks with `secret: true`. */
export function secretProperties(schema: JsonSchema): string[] {
  return Object.entries(schema.properties ?? {})
    .filter(([, property]) => property.secret === true)
    .map(([name]) => name);
}
