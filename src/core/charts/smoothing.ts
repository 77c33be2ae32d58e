/**
 * Exponential moving average as TensorBoard's smoothing slider computes it: the average starts at 0 and is divided by
 * `1 - weight^k` (k: finite values seen), so the first points are not pulled towards zero. Non-finite values pass
 * through unsmoothed. `weight` 0 returns the values unchanged.
 */
export function smoothEma(values: ArrayLike<number>, weight: number): number[] {
  if (!(weight > 0)) return Array.isArray(values) ? values.slice() : Array.from(values); // slice: far faster on arrays
  const w = Math.min(weight, 0.999);
  const out = new Array<number>(values.length);
  let last = 0;
  let decay = 1; // weight^k, kept as a running product
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    decay *= w;
    out[i] = last / (1 - decay);
  }
  return out;
}
