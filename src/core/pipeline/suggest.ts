/** Optimal string alignment distance (Levenshtein with adjacent transpositions): typos swap letters. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Candidates close to `word`, best first (ties keep the candidates' order); at most `limit`. */
export function didYouMean(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const lower = word.toLowerCase();
  const scored: { c: string; score: number; i: number }[] = [];
  let i = 0;
  for (const c of candidates) {
    const cl = c.toLowerCase();
    const dist = editDistance(lower, cl);
    const budget = Math.max(1, Math.floor(Math.max(word.length, c.length) / 3));
    // a prefix of a long name is a likely truncation even when the distance is large
    const prefix = cl.startsWith(lower) && lower.length >= 3;
    if (dist <= budget || prefix) scored.push({ c, score: prefix ? Math.min(dist, 1) : dist, i: i });
    i++;
  }
  return scored.sort((x, y) => x.score - y.score || x.i - y.i).slice(0, limit).map((s) => s.c);
}
