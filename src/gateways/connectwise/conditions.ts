import { isNonEmpty, type NonEmpty } from '../../util/nonEmpty.js';
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

/**
 * ConnectWise documents no escape for a backslash or a control character inside a quoted
 * condition value; until proven safe such a value is never sent (it could change the query).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\\\u0000-\u001f\u007f]/;

/** Why a value cannot be sent in a condition, or undefined when it can. */
export function whyNotQueryable(value: string): string | undefined {
  if (!isQuotable(value)) return 'it contains both quote kinds (" and \'), which a ConnectWise condition cannot express';
  if (UNSAFE_CHARACTERS.test(value))
    return 'it contains a backslash or a control character, which is never sent in a ConnectWise condition';
  if (encodeURIComponent(value).length > MAX_QUERY_VALUE_LENGTH)
    return `it is longer than a ConnectWise query can carry (${value.length} characters)`;
  return undefined;
}

/** A value that can be sent in a condition: quotable, free of unsafe characters, and short enough, encoded, for one request URL. */
export const isQueryable = (value: string): boolean => whyNotQueryable(value) === undefined;

export function quote(value: string): string {
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  throw new UnquotableValueError(value);
}

export const equals = (field: string, value: string): string => `${field}=${quote(value)}`;

export const inList = (field: string, values: readonly string[]): string => `${field} in (${values.map(quote).join(',')})`;

export const and = (...clauses: (string | undefined)[]): string => clauses.filter((c): c is string => Boolean(c)).join(' and ');

/**
 * Splits `values` into as few `in` lists as keep each request URL within `maxUrlLength`.
 * `urlLengthOf` gives the full encoded URL length for a conditions string.
 */
export function chunkInConditions(
  values: readonly string[],
  build: (values: readonly string[]) => string,
  urlLengthOf: (conditions: string) => number,
  maxUrlLength: number,
): NonEmpty<string>[] {
  const chunks: NonEmpty<string>[] = [];
  let current: string[] = [];
  for (const value of values) {
    const candidate = [...current, value];
    if (isNonEmpty(current) && urlLengthOf(build(candidate)) > maxUrlLength) {
      chunks.push(current);
      current = [value];
    } else {
      current = candidate;
    }
    if (current.length === 1 && urlLengthOf(build(current)) > maxUrlLength) {
      throw new RangeError(`a single value is too long for a ConnectWise query (${value.length} characters)`);
    }
  }
  if (isNonEmpty(current)) chunks.push(current);
  return chunks;
}
