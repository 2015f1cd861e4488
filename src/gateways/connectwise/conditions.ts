/**
 * Building ConnectWise `conditions` safely. ConnectWise has no escape inside a quoted string:
 * a value with one quote kind is wrapped in the other, and a value with both cannot be
 * expressed, so it is refused here and never sent.
 */
export class UnquotableValueError extends Error {
  constructor(readonly value: string) {
    super('a value containing both quote kinds (" and \') cannot be expressed in ConnectWise conditions');
    this.name = 'UnquotableValueError';
  }
}

export const isQuotable = (value: string): boolean => !(value.includes('"') && value.includes("'"));

/** Longer values (URL-encoded) are no real identifier or SKU, and could not fit a ConnectWise URL anyway. */
export const MAX_QUERY_VALUE_LENGTH = 600;

/** A value that can be sent in a condition: quotable, and short enough, encoded, for one request URL. */
export const isQueryable = (value: string): boolean => isQuotable(value) && encodeURIComponent(value).length <= MAX_QUERY_VALUE_LENGTH;

export function quote(value: string): string {
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  throw new UnquotableValueError(value);
}

export const equals = (field: string, value: string): string => `${field}=${quote(value)}`;

export const inList = (field: string, values: readonly string[]): string => `${field} in (${values.map(quote).join(',')})`;

export const and = (...clauses: (string | undefined)[]): string =>
  clauses.filter((c): c is string => Boolean(c)).join(' and ');

/**
 * Splits `values` into as few `in` lists as keep each request URL within `maxUrlLength`.
 * `urlLengthOf` gives the full encoded URL length for a conditions string.
 */
export function chunkInConditions(
  values: readonly string[],
  build: (values: readonly string[]) => string,
  urlLengthOf: (conditions: string) => number,
  maxUrlLength: number,
): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  for (const value of values) {
    const candidate = [...current, value];
    if (current.length > 0 && urlLengthOf(build(candidate)) > maxUrlLength) {
      chunks.push(current);
      current = [value];
    } else {
      current = candidate;
    }
    if (current.length === 1 && urlLengthOf(build(current)) > maxUrlLength) {
      throw new RangeError(`a single value is too long for a ConnectWise query (${value.length} characters)`);
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
