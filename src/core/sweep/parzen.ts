import { normal, type Rng } from './random';

/**
 * A Parzen estimator on [low, high]: a mixture of Gaussians truncated to the interval, one at each observation plus
 * a prior one at the centre (its width the whole interval) so the density is never zero anywhere. Each kernel's
 * width is the larger distance to its neighbours, clipped to [range / min(100, 1 + n), range] (Hyperopt's and
 * Optuna's rule): dense observations give narrow kernels, isolated ones wide kernels.
 */
export class ParzenEstimator {
  private readonly mus: number[];
  private readonly sigmas: number[];
  private readonly norms: number[];

  constructor(
    observations: number[],
    private readonly low: number,
    private readonly high: number,
  ) {
    const range = high - low;
    const points = [...observations.map((x) => ({ x, prior: false })), { x: (low + high) / 2, prior: true }].sort((a, b) => a.x - b.x);
    const minSigma = range / Math.min(100, 1 + observations.length);
    this.mus = points.map((p) => p.x);
    this.sigmas = points.map((p, i) => {
      if (p.prior) return range;
      const left = i > 0 ? p.x - points[i - 1].x : p.x - low;
      const right = i < points.length - 1 ? points[i + 1].x - p.x : high - p.x;
      return Math.min(range, Math.max(minSigma, left, right));
    });
    this.norms = this.mus.map((mu, i) => normalCdf((high - mu) / this.sigmas[i]) - normalCdf((low - mu) / this.sigmas[i]));
  }

  /** A draw: pick a kernel uniformly, then a point of it inside the interval. */
  sample(rng: Rng): number {
    const i = Math.min(this.mus.length - 1, Math.floor(rng.next() * this.mus.length));
    for (let tries = 0; tries < 100; tries++) {
      const x = this.mus[i] + this.sigmas[i] * normal(rng);
      if (x >= this.low && x <= this.high) return x;
    }
    return Math.min(this.high, Math.max(this.low, this.mus[i]));
  }

  logDensity(x: number): number {
    let p = 0;
    for (let i = 0; i < this.mus.length; i++) {
      const z = (x - this.mus[i]) / this.sigmas[i];
      p += Math.exp(-0.5 * z * z) / (this.sigmas[i] * Math.sqrt(2 * Math.PI) * Math.max(this.norms[i], 1e-12));
    }
    return Math.log(p / this.mus.length);
  }
}

/** A categorical Parzen estimator: each observed choice counts 1, plus a prior of 1 spread over all choices. */
export class CategoricalEstimator {
  private readonly weights: number[];

  constructor(observations: number[], size: number) {
    this.weights = Array.from({ length: size }, () => 1 / size);
    for (const i of observations) this.weights[i] += 1;
    const total = this.weights.reduce((a, b) => a + b, 0);
    this.weights = this.weights.map((w) => w / total);
  }

  sample(rng: Rng): number {
    let u = rng.next();
    for (let i = 0; i < this.weights.length; i++) {
      u -= this.weights[i];
      if (u < 0) return i;
    }
    return this.weights.length - 1;
  }

  logDensity(i: number): number {
    return Math.log(this.weights[i]);
  }
}

/** Φ, the standard normal CDF, from erf (Abramowitz & Stegun 7.1.26, error < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
