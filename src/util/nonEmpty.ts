/** A list with at least one element, as a type: what a batch of query values always is. */
export type NonEmpty<T> = readonly [T, ...T[]];

export const isNonEmpty = <T>(values: readonly T[]): values is NonEmpty<T> => values.length > 0;

/** Two non-empty halves (the first the larger), or undefined for a single element: halving always ends. */
export function halves<T>(values: NonEmpty<T>): [NonEmpty<T>, NonEmpty<T>] | undefined {
  if (values.length < 2) return undefined;
  const middle = Math.ceil(values.length / 2);
  return [values.slice(0, middle) as unknown as NonEmpty<T>, values.slice(middle) as unknown as NonEmpty<T>];
}
