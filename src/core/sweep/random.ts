import { seededRandom } from '../onnx/random';

/** A seeded pseudo-random source: samplers draw from it so a sweep with a seed is reproducible. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

/** The generator of trial `n` of a sweep seeded `seed`: a trial draws the same values whenever it runs (resume). */
export function trialRng(seed: number, n: number): Rng {
  let h = 2166136261;
  for (const v of [seed, n]) {
    h = Math.imul(h ^ (v & 0xffff), 16777619);
    h = Math.imul(h ^ (v >>> 16), 16777619);
  }
  return { next: seededRandom(h) };
}

/** A standard normal draw (Box–Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}
