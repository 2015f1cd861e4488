import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Condition, Value } from './conditions.js';

/**
 * What ConnectWise's published schemas (the OpenAPI subset beside this file) say about a resource's
 * fields, for the two places the sandbox must be as strict as ConnectWise: conditions (an unknown
 * field, a value of the wrong type or an invalid enum value is 400 ApiFindCondition) and JSON Patch
 * paths (a path the object does not have is refused).
 */
type Schema = { $ref?: string; type?: string; format?: string; enum?: string[]; properties?: Record<string, Schema>; items?: Schema };

let schemas: Record<string, Schema> | undefined;

function allSchemas(): Record<string, Schema> {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'manage-openapi-subset.json');
  schemas ??= (JSON.parse(readFileSync(file, 'utf8')) as { components: { schemas: Record<string, Schema> } }).components.schemas;
  return schemas;
}

const resolve = (schema: Schema): Schema => (schema.$ref ? (allSchemas()[schema.$ref.split('/').pop()!] ?? {}) : schema);

/** The schema of a field path (`company/identifier`, case-insensitive as ConnectWise reads names), or undefined when the resource has no such field. */
export function fieldSchema(resource: string, field: readonly string[]): Schema | undefined {
  let current: Schema | undefined = allSchemas()[resource];
  for (const part of field) {
    const properties = current && resolve(current).properties;
    const key = properties && Object.keys(properties).find((k) => k.toLowerCase() === part.toLowerCase());
    // A collection (an array) is a child: ConnectWise filters it with childConditions, never in conditions.
    if (!key || properties[key]!.type === 'array') return undefined;
    current = properties[key];
  }
  return current && resolve(current);
}

/** The required fields of a resource and the schema of each, for filling the objects the sandbox serves. */
export function requiredFields(resource: string): [string, Schema][] {
  const schema = allSchemas()[resource] as Schema & { required?: string[] };
  return (schema.required ?? []).map((name) => [name, resolve(schema.properties![name]!)]);
}

/** ConnectWise's ApiFindCondition refusals, worded as it words them. */
export class FindConditionError extends Error {}

/** Checks every comparison in parsed conditions against the resource's schema; throws FindConditionError as ConnectWise would. */
export function checkConditions(resource: string, condition: Condition): void {
  switch (condition.kind) {
    case 'and':
    case 'or':
      checkConditions(resource, condition.left);
      checkConditions(resource, condition.right);
      return;
    case 'not':
      checkConditions(resource, condition.operand);
      return;
    case 'compare':
    case 'in': {
      const schema = fieldSchema(resource, condition.field);
      if (!schema || schema.type === 'object') throw new FindConditionError(`${condition.field.join('/')} is not a recognized name.`);
      for (const value of condition.kind === 'in' ? condition.values : [condition.value]) checkValue(schema, value);
    }
  }
}

function checkValue(schema: Schema, value: Value): void {
  if (value === null) return;
  const kind =
    typeof value === 'object' ? 'date' : typeof value === 'number' ? 'numeric' : typeof value === 'boolean' ? 'boolean' : 'string';
  const expected =
    schema.type === 'boolean'
      ? 'boolean'
      : schema.type === 'integer' || schema.type === 'number'
        ? 'numeric'
        : schema.format === 'date-time'
          ? 'date'
          : 'string';
  if (kind !== expected) throw new FindConditionError(`Expected a ${expected} value, not a ${kind}.`);
  if (schema.enum && typeof value === 'string' && !schema.enum.some((e) => e.toLowerCase() === value.toLowerCase())) {
    throw new FindConditionError('Enum value supplied was invalid');
  }
}
