import { requiredFields } from './schemaFields.js';

/** Where ConnectWise's `_info` of a reference points, by field name. */
const REFERENCE_PATHS: Record<string, string> = {
  company: 'company/companies',
  type: 'finance/agreements/types',
  product: 'procurement/catalog',
  contact: 'company/contacts',
  subcategory: 'procurement/subcategories',
};

/** A fixed time, so two reads of one object serve the same text. */
const ENTERED = '2024-01-01T00:00:00Z';

/**
 * An object as ConnectWise serves it: every field its schema requires (the sandbox's data may omit
 * ones the pipeline never reads), `_info` on the object and on each reference. The stored object is
 * not changed: a copy is served.
 */
export function served(resource: string, item: unknown, apiBase: string): unknown {
  if (!item || typeof item !== 'object') return item;
  const copy: Record<string, unknown> = { ...(item as Record<string, unknown>) };
  for (const [name, schema] of requiredFields(resource)) {
    if (copy[name] !== undefined) continue;
    // A required enum takes its first value; a required string an empty one.
    if (schema.enum) copy[name] = schema.enum[0];
    else if (schema.type === 'string') copy[name] = '';
  }
  for (const [field, path] of Object.entries(REFERENCE_PATHS)) {
    const reference = copy[field] as Record<string, unknown> | undefined;
    if (reference && typeof reference === 'object' && reference._info === undefined && typeof reference.id === 'number') {
      copy[field] = { ...reference, _info: { [`${field}_href`]: `${apiBase}/${path}/${reference.id}` } };
    }
  }
  copy._info ??= { lastUpdated: ENTERED, updatedBy: 'sandbox', dateEntered: ENTERED, enteredBy: 'sandbox' };
  return copy;
}
