/**
 * One copy of each repeated text: a month of Atria rows repeats the same few SKUs and summary
 * groupings across thousands of customers, and ConnectWise the same few dates across thousands of
 * agreements, and each parsed copy is a string of its own. Bounded, so texts that never repeat
 * (names, codes) cost no more than they did.
 */
export function createInterner(maxDistinct = 50_000): (text: string) => string {
  const seen = new Map<string, string>();
  return (text) => {
    const kept = seen.get(text);
    if (kept !== undefined) return kept;
    if (seen.size < maxDistinct) seen.set(text, text);
    return text;
  };
}
