import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema } from '../schemas.js';

/** One ajv instance that knows our `secret` annotation keyword and fills defaults. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
  ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });
  return ajv;
}

export function compile<T>(schema: JsonSchema): ValidateFunction<T> {
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
