/** Edit distance between two strings, case-insensitive (for "did you mean" and nearest names). */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/** `candidates` nearest to `name` first (ties keep their order). */
export const byCloseness = (name: string, candidates: readonly string[]): string[] =>
  candidates
    .map((c, i) => ({ c, i, d: editDistance(name, c) }))
    .sort((p, q) => p.d - q.d || p.i - q.i)
    .map((p) => p.c);

/** The candidate a typo most likely meant, when it is close enough to be a typo. */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  const [best] = byCloseness(name, candidates);
  return best !== undefined && editDistance(name, best) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}
