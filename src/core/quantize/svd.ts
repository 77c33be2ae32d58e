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
          const [x, y] = [w[P + i], w[Q + i]];
          w[P + i] = c * x - s * y;
          w[Q + i] = s * x + c * y;
        }
        for (let i = 0, P = p * n, Q = q * n; i < n; i++) {
          const [x, y] = [v[P + i], v[Q + i]];
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

/** The thin SVD of a row-major m×n matrix. */
export function svd(a: ArrayLike<number>, m: number, n: number, options: { tolerance?: number; maxSweeps?: number } = {}): Svd {
  const [tolerance, maxSweeps] = [options.tolerance ?? 1e-9, options.maxSweeps ?? 60];
  if (m >= n) return jacobiTall(a, m, n, tolerance, maxSweeps);
  // Aᵀ = V S Uᵀ: decompose the transpose and swap the factors
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  const r = jacobiTall(t, n, m, tolerance, maxSweeps);
  return { u: r.v, s: r.s, v: r.u, m, n, k: m };
}
