/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013): keeps the first and last points and, from each of
 * `threshold - 2` equal buckets in between, the point forming the largest triangle with the point kept before and
 * the average of the next bucket. Curves keep their shape and spikes with a few points per pixel.
 * Returns the kept indices, ascending. `xs` must be ascending.
 */
export function lttb(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): number[] {
  const n = xs.length;
  if (threshold >= n || n <= 2) return Array.from({ length: n }, (_, i) => i);
  if (threshold <= 2) return threshold <= 0 ? [] : threshold === 1 ? [0] : [0, n - 1];
  const kept = [0];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let bucket = 0; bucket < threshold - 2; bucket++) {
    const start = Math.floor(bucket * every) + 1;
    const end = Math.floor((bucket + 1) * every) + 1;
    const nextStart = end;
    const nextEnd = Math.min(Math.floor((bucket + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += xs[j];
      avgY += ys[j];
    }
    const count = nextEnd - nextStart;
    avgX /= count;
    avgY /= count;
    let maxArea = -1;
    let chosen = start;
    for (let j = start; j < end; j++) {
      // twice the triangle's area; the factor does not change which point wins
      const area = Math.abs((xs[a] - avgX) * (ys[j] - ys[a]) - (xs[a] - xs[j]) * (avgY - ys[a]));
      if (area > maxArea) {
        maxArea = area;
        chosen = j;
      }
    }
    kept.push(chosen);
    a = chosen;
  }
  kept.push(n - 1);
  return kept;
}

/**
 * At most `maxPoints` indices: LTTB, plus the global minimum and maximum if LTTB dropped them (a best loss or
 * accuracy must stay visible on the chart).
 */
export function downsampleIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, maxPoints: number): number[] {
  const n = xs.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  let min = 0;
  let max = 0;
  for (let i = 1; i < n; i++) {
    if (ys[i] < ys[min]) min = i;
    if (ys[i] > ys[max]) max = i;
  }
  // two points spare for the extremes, so adding them never exceeds the budget
  const kept = lttb(xs, ys, maxPoints - 2);
  return [...new Set([...kept, min, max])].sort((p, q) => p - q);
}
