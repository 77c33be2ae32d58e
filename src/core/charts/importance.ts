import { seededRandom } from '../onnx/random';

/**
 * Parameter importance as fANOVA computes it (Hutter, Hoos & Leyton-Brown 2014): fit a random forest of regression
 * trees to (parameters → objective), then decompose each tree's prediction over the parameter space into the
 * variance each parameter explains alone (its main effect) and what is left to interactions. Trees are piecewise
 * constant on boxes, so the marginals are exact sums over leaves, no sampling. Parameters are scaled to [0, 1] by the
 * caller, so "the parameter space" is the box the trials cover.
 */

export interface ImportanceOptions {
  trees?: number;
  seed?: number;
  maxDepth?: number;
  /** Fewest samples in a leaf. */
  minLeaf?: number;
}

export interface Importance {
  /** Per feature, in the order given: the share of variance its main effect explains, in [0, 1]. */
  main: number[];
  /** The share left to interactions (1 - the sum of the main effects, averaged over trees). */
  interactions: number;
}

type Tree = { leaf: true; value: number } | { leaf: false; feature: number; threshold: number; left: Tree; right: Tree };

interface Leaf {
  value: number;
  lo: number[];
  hi: number[];
}

const mean = (ys: number[]) => ys.reduce((a, b) => a + b, 0) / ys.length;

/** The split of `rows` that most reduces the squared error, or undefined when none leaves minLeaf on both sides. */
function bestSplit(X: number[][], y: number[], rows: number[], minLeaf: number): { feature: number; threshold: number; left: number[]; right: number[] } | undefined {
  let best: { gain: number; feature: number; threshold: number; at: number; sorted: number[] } | undefined;
  const total = rows.reduce((s, r) => s + y[r], 0);
  const n = rows.length;
  for (let f = 0; f < X[0].length; f++) {
    const sorted = [...rows].sort((a, b) => X[a][f] - X[b][f]);
    let leftSum = 0;
    for (let k = 1; k < n; k++) {
      leftSum += y[sorted[k - 1]];
      if (k < minLeaf || n - k < minLeaf || X[sorted[k - 1]][f] === X[sorted[k]][f]) continue;
      // maximising this is minimising the children's squared error (the parent's is a constant)
      const gain = (leftSum * leftSum) / k + ((total - leftSum) * (total - leftSum)) / (n - k);
      if (!best || gain > best.gain + 1e-12) best = { gain, feature: f, threshold: (X[sorted[k - 1]][f] + X[sorted[k]][f]) / 2, at: k, sorted };
    }
  }
  if (!best) return undefined;
  return { feature: best.feature, threshold: best.threshold, left: best.sorted.slice(0, best.at), right: best.sorted.slice(best.at) };
}

function grow(X: number[][], y: number[], rows: number[], depth: number, options: Required<ImportanceOptions>): Tree {
  const value = mean(rows.map((r) => y[r]));
  if (depth >= options.maxDepth || rows.length < 2 * options.minLeaf || rows.every((r) => y[r] === y[rows[0]])) return { leaf: true, value };
  const split = bestSplit(X, y, rows, options.minLeaf);
  if (!split) return { leaf: true, value };
  return {
    leaf: false,
    feature: split.feature,
    threshold: split.threshold,
    left: grow(X, y, split.left, depth + 1, options),
    right: grow(X, y, split.right, depth + 1, options),
  };
}

/** The tree's leaves as boxes of the unit cube. */
function leaves(tree: Tree, lo: number[], hi: number[], out: Leaf[] = []): Leaf[] {
  if (tree.leaf) {
    out.push({ value: tree.value, lo, hi });
    return out;
  }
  const f = tree.feature;
  leaves(tree.left, lo, hi.map((h, i) => (i === f ? Math.min(h, tree.threshold) : h)), out);
  leaves(tree.right, lo.map((l, i) => (i === f ? Math.max(l, tree.threshold) : l)), hi, out);
  return out;
}

/** One tree's main-effect variance shares, or undefined when the tree is constant (it explains nothing). */
function treeShares(leafList: Leaf[], features: number): number[] | undefined {
  const volume = (l: Leaf) => l.lo.reduce((v, lo, i) => v * (l.hi[i] - lo), 1);
  const f0 = leafList.reduce((s, l) => s + volume(l) * l.value, 0);
  const total = leafList.reduce((s, l) => s + volume(l) * (l.value - f0) ** 2, 0);
  if (!(total > 1e-12)) return undefined;
  return Array.from({ length: features }, (_, f) => {
    const cuts = [...new Set([0, 1, ...leafList.flatMap((l) => [l.lo[f], l.hi[f]])])].sort((a, b) => a - b);
    let variance = 0;
    for (let k = 0; k + 1 < cuts.length; k++) {
      const mid = (cuts[k] + cuts[k + 1]) / 2;
      // the marginal at x_f = mid: the leaves whose box holds mid, weighted by their volume in the other dimensions
      let marginal = 0;
      for (const l of leafList) if (l.lo[f] <= mid && mid < l.hi[f]) marginal += (l.value * volume(l)) / (l.hi[f] - l.lo[f]);
      variance += (cuts[k + 1] - cuts[k]) * (marginal - f0) ** 2;
    }
    return Math.min(1, variance / total);
  });
}

/**
 * fANOVA main effects of each feature of `X` (rows of values scaled to [0, 1]) on `y`, from a seeded random forest
 * (bootstrap samples, every feature considered at each split). Deterministic for a given seed.
 */
export function fanovaImportance(X: number[][], y: number[], options: ImportanceOptions = {}): Importance {
  const o: Required<ImportanceOptions> = { trees: 32, seed: 1, maxDepth: 8, minLeaf: 2, ...options };
  const features = X[0]?.length ?? 0;
  if (X.length < 2 || features === 0) return { main: new Array(features).fill(0), interactions: 0 };
  const random = seededRandom(o.seed);
  const sums = new Array<number>(features).fill(0);
  let counted = 0;
  for (let t = 0; t < o.trees; t++) {
    const sample = Array.from({ length: X.length }, () => Math.floor(random() * X.length));
    const tree = grow(X, y, sample, 0, o);
    const shares = treeShares(leaves(tree, new Array(features).fill(0), new Array(features).fill(1)), features);
    if (!shares) continue;
    counted++;
    shares.forEach((s, f) => (sums[f] += s));
  }
  if (counted === 0) return { main: new Array(features).fill(0), interactions: 0 };
  const main = sums.map((s) => s / counted);
  return { main, interactions: Math.max(0, 1 - main.reduce((a, b) => a + b, 0)) };
}
