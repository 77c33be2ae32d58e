import { median } from '../median';
import { seededRandom } from '../onnx/random';
import { chi2Sf } from './gamma';
import { kolmogorovSf } from './kolmogorov';

/** The statistics Lathe tests drift with: two samples in, a statistic (and p-value or score) out. */

export interface TestResult {
  statistic: number;
  /** The probability of a statistic this large if both samples came from one distribution (absent for PSI). */
  pValue?: number;
}

/** Up to this many values per side, scipy's `ks_2samp(method='auto')` computes the exact p-value. */
const KS_EXACT_MAX_N = 10000;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** numpy's round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** P(D >= h/n) for two samples of n each: 2·(A0 − A0·A1 + ...), evaluated Horner-like (Hodges). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * The share of lattice paths from (0,0) to (m,n) that leave the band |x/m − y/n| < h/lcm: the exact two-sided
 * p-value, by Viehmann's recursion for 1 − p (arXiv:2102.08037), one sliding column at a time as scipy does.
 */
function probOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 >= n0 ? [m0, n0] : [n0, m0];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const A = new Float64Array(Math.min(2 * maxj + 2, n + 1)).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const [lastminj, lastlen] = [minj, curlen];
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1];
}

/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, as scipy.stats.ks_2samp(method='auto'): D is the largest gap
 * between the empirical CDFs; the p-value is exact when neither sample exceeds 10 000 values and asymptotic
 * (the KS distribution at n = m·n/(m+n)) otherwise, or when the exact computation fails.
 */
export function ks2samp(a: ArrayLike<number>, b: ArrayLike<number>): TestResult {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  const [n1, n2] = [x.length, y.length];
  if (n1 === 0 || n2 === 0) throw new RangeError('ks2samp needs two non-empty samples');
  let [maxS, minS] = [-Infinity, Infinity];
  let [i, j] = [0, 0];
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && x[i] <= y[j]) ? x[i] : y[j];
    while (i < n1 && x[i] <= v) i++;
    while (j < n2 && y[j] <= v) j++;
    const diff = i / n1 - j / n2;
    maxS = Math.max(maxS, diff);
    minS = Math.min(minS, diff);
  }
  const lower = Math.min(Math.max(-minS, 0), 1);
  let d = lower > maxS ? lower : maxS;
  if (Math.max(n1, n2) <= KS_EXACT_MAX_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1 };
    const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
    if (p >= 0 && p <= 1) return { statistic: d, pValue: p };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  return { statistic: d, pValue: kolmogorovSf(roundHalfEven((m * n) / (m + n)), d) };
}

/**
 * Pearson's chi-square test of homogeneity on the 2×k table of category counts (scipy.stats.chi2_contingency
 * with correction=False): no Yates correction, even for k = 2. Categories empty on both sides must be left out.
 */
export function chi2Counts(reference: ArrayLike<number>, current: ArrayLike<number>): TestResult & { dof: number } {
  const k = reference.length;
  const dof = k - 1;
  let [r, c] = [0, 0];
  for (let i = 0; i < k; i++) [r, c] = [r + reference[i], c + current[i]];
  const total = r + c;
  if (dof === 0) return { statistic: 0, pValue: 1, dof };
  let statistic = 0;
  for (let i = 0; i < k; i++) {
    const column = reference[i] + current[i];
    const er = (r * column) / total;
    const ec = (c * column) / total;
    statistic += (reference[i] - er) ** 2 / er + (current[i] - ec) ** 2 / ec;
  }
  return { statistic, pValue: chi2Sf(statistic, dof), dof };
}

/** The share an empty bin counts as in PSI, so its log term stays finite (the usual convention). */
export const PSI_EPSILON = 1e-4;

/**
 * Population stability index over bins: Σ (c − r)·ln(c / r) with r, c each side's share of the bin, a share of 0
 * taken as PSI_EPSILON. Bins come from the caller (reference deciles for numbers, categories for text).
 */
export function psiCounts(reference: ArrayLike<number>, current: ArrayLike<number>): TestResult {
  let [r, c] = [0, 0];
  for (let i = 0; i < reference.length; i++) [r, c] = [r + reference[i], c + current[i]];
  let statistic = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i] / r || PSI_EPSILON;
    const q = current[i] / c || PSI_EPSILON;
    statistic += (q - p) * Math.log(q / p);
  }
  return { statistic };
}

/** The inner edges of `bins` equal-count bins of the sorted values (linear-interpolated quantiles, deduplicated). */
export function quantileEdges(sorted: ArrayLike<number>, bins: number): number[] {
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const at = (i / bins) * (sorted.length - 1);
    const lo = Math.floor(at);
    const hi = Math.min(lo + 1, sorted.length - 1);
    const edge = sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
    if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge);
  }
  return edges;
}

/** Counts of `values` in the bins (−∞, e0], (e0, e1], ..., (e_last, ∞) of the inner edges. */
export function countInBins(values: ArrayLike<number>, edges: number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    let [lo, hi] = [0, edges.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[i] <= edges[mid]) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]++;
  }
  return counts;
}

export interface MmdOptions {
  /** Label permutations for the p-value (default 200). */
  permutations?: number;
  /** Seeds the subsample and the permutations (default 0). */
  seed?: number;
  /** Values used per side at most, drawn at random (default 500): the kernel matrix grows with its square. */
  maxSamples?: number;
}

export const MMD_PERMUTATIONS = 200;
export const MMD_MAX_SAMPLES = 500;

function subsample(values: ArrayLike<number>, max: number, random: () => number): Float64Array {
  const all = Float64Array.from(values);
  if (all.length <= max) return all;
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(random() * (all.length - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, max);
}

/**
 * Maximum mean discrepancy (biased estimate of MMD²) with the RBF kernel exp(−(x−y)² / 2σ²), σ the median
 * distance between the pooled values; the p-value is the share of label permutations (plus the observed one)
 * with an MMD² at least as large.
 */
export function mmd(a: ArrayLike<number>, b: ArrayLike<number>, options: MmdOptions = {}): TestResult {
  const random = seededRandom(options.seed ?? 0);
  const max = options.maxSamples ?? MMD_MAX_SAMPLES;
  const x = subsample(a, max, random);
  const y = subsample(b, max, random);
  const pooled = new Float64Array(x.length + y.length);
  pooled.set(x);
  pooled.set(y, x.length);
  const N = pooled.length;
  const distances = new Float64Array((N * (N - 1)) / 2);
  let at = 0;
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) distances[at++] = Math.abs(pooled[i] - pooled[j]);
  const bandwidth = median(distances);
  // identical values everywhere: no spread to measure, so no discrepancy either
  if (!(bandwidth > 0)) return { statistic: 0, pValue: 1 };
  const gamma = 1 / (2 * bandwidth * bandwidth);
  const kernel = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) kernel[i * N + j] = Math.exp(-gamma * (pooled[i] - pooled[j]) ** 2);
  const side = new Uint8Array(N).fill(1, x.length);
  const statisticOf = () => {
    const sums = [0, 0, 0];
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) sums[side[i] + side[j]] += kernel[i * N + j];
    const [nx, ny] = [x.length, y.length];
    // never below 0 (a biased MMD² is a squared norm), whatever the rounding
    return Math.max(0, sums[0] / (nx * nx) + sums[2] / (ny * ny) - sums[1] / (nx * ny));
  };
  const observed = statisticOf();
  const permutations = options.permutations ?? MMD_PERMUTATIONS;
  let atLeast = 0;
  for (let p = 0; p < permutations; p++) {
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [side[i], side[j]] = [side[j], side[i]];
    }
    if (statisticOf() >= observed) atLeast++;
  }
  return { statistic: observed, pValue: (atLeast + 1) / (permutations + 1) };
}
