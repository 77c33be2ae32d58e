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

/**
 * One-sided Jacobi (Hestenes) for m ≥ n: rotate column pairs of a working copy of A until all are orthogonal;
 * the column norms are then the singular values. Accurate to working precision even for small singular values.
 */
function jacobiTall(a: ArrayLike<number>, m: number, n: number, tolerance: number, maxSweeps: number): Svd {
  // columns stored contiguously (w and v alike): the inner loops walk memory in order
  const w = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) w[j * m + i] = a[i * n + j];
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
 * Eigen-decomposition of a symmetric n×n matrix (row-major, overwritten by the eigenvectors as columns):
 * Householder reduction to tridiagonal form, then the implicit QL method (EISPACK tred2/tql2, as in JAMA).
 * Returns the eigenvalues (unsorted); row j of `v` is then the eigenvector of eigenvalue j.
 */
function symmetricEigen(v: Float64Array, n: number): Float64Array {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) d[j] = v[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let [scale, h] = [0, 0];
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j];
        v[i * n + j] = 0;
        v[j * n + i] = 0;
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
        v[j * n + i] = f;
        g = e[j] + v[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[k * n + j] * d[k];
          e[k] += v[k * n + j] * f;
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
        for (let k = j; k <= i - 1; k++) v[k * n + j] -= f * e[k] + g * d[k];
        d[j] = v[(i - 1) * n + j];
        v[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    v[(n - 1) * n + i] = v[i * n + i];
    v[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[k * n + i + 1] * v[k * n + j];
        for (let k = 0; k <= i; k++) v[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) v[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[(n - 1) * n + j];
    v[(n - 1) * n + j] = 0;
  }
  v[n * n - 1] = 1;
  e[0] = 0;
  // the QL rotations combine columns: transposed, they walk contiguous rows
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) [v[i * n + j], v[j * n + i]] = [v[j * n + i], v[i * n + j]];
  }

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
          for (let k = 0, I = i * n, J = I + n; k < n; k++) {
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
 * Through the Gram matrix AᵀA (n×n, m ≥ n): its eigenvectors are V and its eigenvalues s². O(mn² + n³) instead
 * of Jacobi's many sweeps; singular values far below the largest lose relative accuracy (√ε·s₁ absolute),
 * which truncation never keeps anyway. Columns of U for zero singular values are zero.
 */
function gramTall(a: ArrayLike<number>, m: number, n: number): Svd {
  const g = new Float64Array(n * n);
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) row[j] = a[i * n + j];
    for (let p = 0; p < n; p++) {
      const x = row[p];
      if (x === 0) continue;
      for (let q = p; q < n; q++) g[p * n + q] += x * row[q];
    }
  }
  for (let p = 0; p < n; p++) for (let q = 0; q < p; q++) g[p * n + q] = g[q * n + p];
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
  for (let i = 0; i < m; i++) {
    const u = out.u.subarray(i * n, (i + 1) * n);
    for (let q = 0; q < n; q++) {
      const x = a[i * n + q];
      if (x === 0) continue;
      for (let r = 0, Q = q * n; r < n; r++) u[r] += x * out.v[Q + r];
    }
    for (let r = 0; r < n; r++) u[r] *= inverse[r];
  }
  return out;
}

/** Matrices whose smaller side is at most this go through Jacobi (exact to working precision), larger ones through the Gram matrix (fast). */
const JACOBI_MAX = 128;

/** The thin SVD of a row-major m×n matrix. */
export function svd(a: ArrayLike<number>, m: number, n: number, options: { tolerance?: number; maxSweeps?: number } = {}): Svd {
  const [tolerance, maxSweeps] = [options.tolerance ?? 1e-9, options.maxSweeps ?? 60];
  const tall = (x: ArrayLike<number>, rows: number, cols: number) => (cols <= JACOBI_MAX ? jacobiTall(x, rows, cols, tolerance, maxSweeps) : gramTall(x, rows, cols));
  if (m >= n) return tall(a, m, n);
  // Aᵀ = V S Uᵀ: decompose the transpose and swap the factors
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  const r = tall(t, n, m);
  return { u: r.v, s: r.s, v: r.u, m, n, k: m };
}
