/** A thin singular value decomposition A = U · diag(s) · Vᵀ of an m×n matrix, k = min(m, n). */
export interface Svd {
  /** m×k, row-major, orthonormal columns. */
  u: Float64Array;
  /** k singular values, descending. */
  s: Float64Array;
  /** n×k, row-major, orthonormal columns. */
  v: Float64Array;
  m: number;
  n: number;
  k: number;
}

/** The n×m transpose of a row-major m×n matrix, as float64. */
function transpose(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

/**
 * One-sided Jacobi (Hestenes) for m ≥ n: rotate column pairs of a working copy of A until all are orthogonal;
 * the column norms are then the singular values. Accurate to working precision even for small singular values.
 */
function jacobiTall(a: ArrayLike<number>, m: number, n: number, tolerance: number, maxSweeps: number): Svd {
  // columns stored contiguously (w and v alike): the inner loops walk memory in order
  const w = transpose(a, m, n);
  const v = new Float64Array(n * n);
  for (let j = 0; j < n; j++) v[j * n + j] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let [alpha, beta, gamma] = [0, 0, 0];
        for (let i = 0, P = p * m, Q = q * m; i < m; i++) {
          alpha += w[P + i] * w[P + i];
          beta += w[Q + i] * w[Q + i];
          gamma += w[P + i] * w[Q + i];
        }
        if (gamma === 0 || Math.abs(gamma) <= tolerance * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0, P = p * m, Q = q * m; i < m; i++) {
          const x = w[P + i];
          const y = w[Q + i];
          w[P + i] = c * x - s * y;
          w[Q + i] = s * x + c * y;
        }
        for (let i = 0, P = p * n, Q = q * n; i < n; i++) {
          const x = v[P + i];
          const y = v[Q + i];
          v[P + i] = c * x - s * y;
          v[Q + i] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, j) => {
    let sum = 0;
    for (let i = j * m; i < (j + 1) * m; i++) sum += w[i] * w[i];
    return Math.sqrt(sum);
  });
  const order = norms.map((_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const out: Svd = { u: new Float64Array(m * n), s: new Float64Array(n), v: new Float64Array(n * n), m, n, k: n };
  order.forEach((j, r) => {
    out.s[r] = norms[j];
    for (let i = 0; i < m; i++) out.u[i * n + r] = norms[j] > 0 ? w[j * m + i] / norms[j] : 0;
    // v holds V column by column
    for (let i = 0; i < n; i++) out.v[i * n + r] = v[j * n + i];
  });
  return out;
}

/**
 * Eigen-decomposition of a symmetric n×n matrix (row-major, overwritten by the eigenvectors):
 * Householder reduction to tridiagonal form, then the implicit QL method (EISPACK tred2/tql2, as in JAMA).
 * Returns the eigenvalues (unsorted); row j of `v` is then the eigenvector of eigenvalue j. With `vectors`
 * false only the eigenvalues are computed (several times faster; `v` is left scrambled).
 * The reduction works on the transpose of JAMA's V (the input is symmetric, so it is its own transpose): JAMA
 * walks V by columns, which here are contiguous rows; this is what makes it fast on large matrices.
 */
function symmetricEigen(v: Float64Array, n: number, vectors = true): Float64Array {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // W[r][c] = v[r * n + c] holds JAMA's V[c][r]
  for (let j = 0; j < n; j++) d[j] = v[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let [scale, h] = [0, 0];
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = v[j * n + i - 1];
        v[j * n + i] = 0;
        v[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        v[i * n + j] = f;
        g = e[j] + v[j * n + j] * f;
        for (let k = j + 1, J = j * n; k <= i - 1; k++) {
          g += v[J + k] * d[k];
          e[k] += v[J + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        [f, g] = [d[j], e[j]];
        for (let k = j, J = j * n; k <= i - 1; k++) v[J + k] -= f * e[k] + g * d[k];
        d[j] = v[j * n + i - 1];
        v[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  if (!vectors) {
    // the tridiagonal form's diagonal sits on the diagonal; accumulating the transformations only moves it
    for (let j = 0; j < n; j++) d[j] = v[j * n + j];
  } else {
    for (let i = 0; i < n - 1; i++) {
      v[i * n + n - 1] = v[i * n + i];
      v[i * n + i] = 1;
      const h = d[i + 1];
      const next = (i + 1) * n;
      if (h !== 0) {
        for (let k = 0; k <= i; k++) d[k] = v[next + k] / h;
        for (let j = 0; j <= i; j++) {
          let g = 0;
          const J = j * n;
          for (let k = 0; k <= i; k++) g += v[next + k] * v[J + k];
          for (let k = 0; k <= i; k++) v[J + k] -= g * d[k];
        }
      }
      for (let k = 0; k <= i; k++) v[next + k] = 0;
    }
    for (let j = 0; j < n; j++) {
      d[j] = v[j * n + n - 1];
      v[j * n + n - 1] = 0;
    }
    // W is now the transpose of JAMA's V: the QL rotations below combine its contiguous rows
    v[n * n - 1] = 1;
  }
  e[0] = 0;

  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let [f, tst1] = [0, 0];
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      do {
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let [c, c2, c3, s, s2] = [1, 1, 1, 0, 0];
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          [c3, c2, s2] = [c2, c, s];
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (let k = 0, I = i * n, J = I + n; vectors && k < n; k++) {
            const a = v[I + k];
            const b = v[J + k];
            v[J + k] = s * a + c * b;
            v[I + k] = c * a - s * b;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  return d;
}

/**
 * AᵀA (n×n, row-major) of a row-major m×n matrix, as dot products of A's columns (copied to contiguous rows),
 * four columns against each other column at a time: summing row by row into G streamed all of G once per row of A.
 */
function gram(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const t = transpose(a, m, n);
  const g = new Float64Array(n * n);
  for (let p = 0; p < n; p += 4) {
    // past the last column, the last one stands in and its sums are dropped
    const [p0, p1, p2, p3] = [p * m, Math.min(p + 1, n - 1) * m, Math.min(p + 2, n - 1) * m, Math.min(p + 3, n - 1) * m];
    for (let q = p; q < n; q++) {
      let [s0, s1, s2, s3] = [0, 0, 0, 0];
      for (let i = 0, Q = q * m; i < m; i++) {
        const x = t[Q + i];
        s0 += t[p0 + i] * x;
        s1 += t[p1 + i] * x;
        s2 += t[p2 + i] * x;
        s3 += t[p3 + i] * x;
      }
      const sums = [s0, s1, s2, s3];
      for (let r = 0; r < 4 && p + r < n; r++) {
        if (q < p + r) continue;
        g[(p + r) * n + q] = sums[r];
        g[q * n + p + r] = sums[r];
      }
    }
  }
  return g;
}

/**
 * Through the Gram matrix AᵀA (n×n, m ≥ n): its eigenvectors are V and its eigenvalues s². O(mn² + n³) instead
 * of Jacobi's many sweeps; singular values far below the largest lose relative accuracy (√ε·s₁ absolute),
 * which truncation never keeps anyway. Columns of U for zero singular values are zero.
 */
function gramTall(a: ArrayLike<number>, m: number, n: number): Svd {
  const g = gram(a, m, n);
  const lambda = symmetricEigen(g, n);
  const order = Array.from(lambda.keys()).sort((x, y) => lambda[y] - lambda[x]);
  const out: Svd = { u: new Float64Array(m * n), s: new Float64Array(n), v: new Float64Array(n * n), m, n, k: n };
  for (let r = 0; r < n; r++) {
    const j = order[r];
    out.s[r] = Math.sqrt(Math.max(lambda[j], 0));
    for (let i = 0; i < n; i++) out.v[i * n + r] = g[j * n + i];
  }
  // U = A·V·S⁻¹, row by row
  const inverse = Float64Array.from(out.s, (sigma) => (sigma > 1e-300 ? 1 / sigma : 0));
  const [u, v] = [out.u, out.v];
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let q = 0; q < n; q++) {
      const x = a[row + q];
      if (x === 0) continue;
      for (let r = 0, Q = q * n; r < n; r++) u[row + r] += x * v[Q + r];
    }
    for (let r = 0; r < n; r++) u[row + r] *= inverse[r];
  }
  return out;
}

/** Matrices whose smaller side is at most this go through Jacobi (exact to working precision), larger ones through the Gram matrix (fast). */
const JACOBI_MAX = 128;

/** The thin SVD of a row-major m×n matrix; `method` overrides the choice by size. */
export function svd(
  a: ArrayLike<number>,
  m: number,
  n: number,
  options: { tolerance?: number; maxSweeps?: number; method?: 'jacobi' | 'gram' } = {},
): Svd {
  const [tolerance, maxSweeps] = [options.tolerance ?? 1e-9, options.maxSweeps ?? 60];
  const jacobi = (cols: number) => (options.method ? options.method === 'jacobi' : cols <= JACOBI_MAX);
  const tall = (x: ArrayLike<number>, rows: number, cols: number) => (jacobi(cols) ? jacobiTall(x, rows, cols, tolerance, maxSweeps) : gramTall(x, rows, cols));
  if (m >= n) return tall(a, m, n);
  // Aᵀ = V S Uᵀ: decompose the transpose and swap the factors
  const r = tall(transpose(a, m, n), n, m);
  return { u: r.v, s: r.s, v: r.u, m, n, k: m };
}

/**
 * The singular values of a row-major m×n matrix, descending, without its vectors: the eigenvalues of the smaller
 * Gram matrix. Their squares (the energies a rank is chosen by) are exact to ε·s₁²; a small singular value itself
 * has √ε·s₁ absolute accuracy.
 */
export function singularValues(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const g = m >= n ? gram(a, m, n) : gram(transpose(a, m, n), n, m);
  const k = Math.min(m, n);
  return symmetricEigen(g, k, false)
    .map((lambda) => Math.sqrt(Math.max(lambda, 0)))
    .sort()
    .reverse();
}
