import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { buildMlp, GraphBuilder, inspectModel, readTensor, seededRandom } from '../../../src/core/onnx';
import { evaluateModels } from '../../../src/core/quantize/evaluate';
import { mainGraph } from '../../../src/core/quantize/graph';
import { factorizeLowRank } from '../../../src/core/quantize/lowRank';
import { prepareModel } from '../../../src/core/quantize/prepare';
import { truncatedSvd } from '../../../src/core/quantize/randomizedSvd';
import { singularValues, svd } from '../../../src/core/quantize/svd';
import { LatheError } from '../../../src/core/workspace/errors';
import { ensurePythonEnv } from '../../../scripts/lib/python-env.mjs';
import { buildCnn } from './models';

const quick = { runs: 1, warmup: 0 };

function randomMatrix(m: number, n: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length: m * n }, () => random() - 0.5);
}

function reconstruct(d: ReturnType<typeof svd>, rank: number): Float64Array {
  const out = new Float64Array(d.m * d.n);
  for (let i = 0; i < d.m; i++) for (let j = 0; j < d.n; j++) for (let k = 0; k < rank; k++) out[i * d.n + j] += d.u[i * d.k + k] * d.s[k] * d.v[j * d.k + k];
  return out;
}

test('SVD (Jacobi below 128, Gram above): exact reconstruction, orthonormal factors, Eckart-Young truncation error (tall and wide)', () => {
  for (const [m, n] of [[40, 24], [24, 40], [200, 140]]) {
    const a = randomMatrix(m, n, m);
    const d = svd(a, m, n);
    assert.ok(d.s.every((v, i) => i === 0 || v <= d.s[i - 1]), 'descending');
    const full = reconstruct(d, d.k);
    assert.ok(a.every((v, i) => Math.abs(v - full[i]) < 1e-11));
    for (let p = 0; p < d.k; p++) {
      for (let q = 0; q < d.k; q++) {
        let [uu, vv] = [0, 0];
        for (let i = 0; i < m; i++) uu += d.u[i * d.k + p] * d.u[i * d.k + q];
        for (let i = 0; i < n; i++) vv += d.v[i * d.k + p] * d.v[i * d.k + q];
        assert.ok(Math.abs(uu - (p === q ? 1 : 0)) < 1e-8 && Math.abs(vv - (p === q ? 1 : 0)) < 1e-8, `${m}x${n} U·U ${uu} V·V ${vv}`);
      }
    }
    // the best rank-r approximation misses exactly the tail's energy
    const r = 5;
    const approx = reconstruct(d, r);
    const error = a.reduce((s, v, i) => s + (v - approx[i]) ** 2, 0);
    const tail = d.s.subarray(r).reduce((s, v) => s + v * v, 0);
    assert.ok(Math.abs(error - tail) < 1e-10 * tail, `${error} vs ${tail}`);
  }
});

const env = ensurePythonEnv();
test('SVD singular values match numpy.linalg.svd (Jacobi to 1e-12, Gram to 1e-7 of the largest)', { skip: env.error && `numpy reference unavailable: ${env.error}` }, () => {
  for (const [m, n, tolerance] of [[30, 50, 1e-12], [140, 180, 1e-7]]) {
    const a = randomMatrix(m, n, m);
    const code = 'import sys, json, numpy as np; a = np.array(json.load(sys.stdin)); print(json.dumps(np.linalg.svd(a, compute_uv=False).tolist()))';
    const rows = Array.from({ length: m }, (_, i) => [...a.subarray(i * n, (i + 1) * n)]);
    const r = spawnSync(env.python!, ['-c', code], { input: JSON.stringify(rows), encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const numpy = JSON.parse(r.stdout) as number[];
    const ours = svd(a, m, n).s;
    numpy.forEach((v, i) => assert.ok(Math.abs(v - ours[i]) < tolerance * numpy[0], `${m}x${n} s[${i}] ${ours[i]} vs numpy ${v}`));
  }
});

/** A random m×n matrix with singular values decay^i (its singular vectors those of a random matrix). */
function decaying(m: number, n: number, decay: number, seed: number): Float64Array {
  const d = svd(randomMatrix(m, n, seed), m, n);
  const out = new Float64Array(m * n);
  for (let r = 0; r < d.k; r++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] += d.u[i * d.k + r] * decay ** r * d.v[j * d.k + r];
  return out;
}

test('singular values without vectors equal those of the full SVD (Jacobi and Gram sizes)', () => {
  for (const [m, n] of [[60, 40], [40, 60], [200, 150]]) {
    const a = randomMatrix(m, n, m + n);
    const full = svd(a, m, n).s;
    const values = singularValues(Float32Array.from(a), m, n);
    const f32 = svd(Float32Array.from(a), m, n).s;
    values.forEach((v, i) => assert.ok(Math.abs(v - f32[i]) < 1e-7 * f32[0], `${m}x${n} s[${i}] ${v} vs ${f32[i]}`));
    assert.ok(Math.abs(values[0] - full[0]) < 1e-6 * full[0]);
  }
});

test('truncated (randomized) SVD: leading singular values within 5e-3 (relative) of the exact SVD on decaying spectra, orthonormal factors, error within 5% of the optimum on flat ones', () => {
  for (const [m, n, rank, decay] of [[300, 200, 20, 0.95], [200, 300, 12, 0.8], [260, 220, 8, 0.9]]) {
    const a = decaying(m, n, decay, m);
    const exact = svd(a, m, n);
    const t = truncatedSvd(a, m, n, rank);
    assert.equal(t.k, rank);
    for (let i = 0; i < rank; i++) assert.ok(Math.abs(t.s[i] - exact.s[i]) < 5e-3 * exact.s[i], `${m}x${n} s[${i}] ${t.s[i]} vs ${exact.s[i]}`);
    for (let p = 0; p < rank; p++) {
      let [uu, vv] = [0, 0];
      for (let i = 0; i < m; i++) uu += t.u[i * rank + p] ** 2;
      for (let i = 0; i < n; i++) vv += t.v[i * rank + p] ** 2;
      assert.ok(Math.abs(uu - 1) < 1e-9 && Math.abs(vv - 1) < 1e-9, `${m}x${n} column ${p}: |u|² ${uu} |v|² ${vv}`);
    }
  }
  // a flat (random) spectrum is the hard case: the truncation error stays within 5% of the best possible (2.5% measured)
  const [m, n, rank] = [240, 180, 20];
  const a = randomMatrix(m, n, 9);
  const exact = svd(a, m, n);
  const t = truncatedSvd(a, m, n, rank);
  const approx = reconstruct(t, rank);
  const error = a.reduce((sum, v, i) => sum + (v - approx[i]) ** 2, 0);
  const best = exact.s.subarray(rank).reduce((sum, v) => sum + v * v, 0);
  assert.ok(error >= best * (1 - 1e-9) && error < 1.05 * best, `error ${error} vs best ${best}`);
});

test('low-rank factorisation: an exactly rank-4 weight is reproduced by two MatMuls; energy picks the rank', async () => {
  const [k, n, r] = [48, 40, 4];
  const [p, q] = [randomMatrix(k, r, 1), randomMatrix(r, n, 2)];
  const w = new Float32Array(k * n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) for (let t = 0; t < r; t++) w[i * n + j] += p[i * r + t] * q[t * n + j];
  const model = new GraphBuilder().input('x', 'float32', ['batch', k]).initializer('w', w, [k, n]).node('MatMul', ['x', 'w'], ['y'], {}, { name: 'mm' }).output('y', 'float32', ['batch', n]).build();
  const { model: low, report } = factorizeLowRank(model, { energy: 0.999999 });
  assert.deepEqual(report.factorized.map((f) => [f.rank, f.shape]), [[4, [k, n]]]);
  assert.deepEqual(inspectModel(low).opCounts, { MatMul: 2 });
  assert.deepEqual(mainGraph(low).initializer.map((t) => readTensor(t).dims), [[k, 4], [4, n]]);
  const ev = await evaluateModels(model, low, { ...quick, batch: 3 });
  assert.ok(ev.outputs[0].maxAbsError < 1e-5, `max abs error ${ev.outputs[0].maxAbsError}`);
  assert.ok(ev.size.ratio < 0.25);
});

test('low-rank on an MLP and a CNN head (Gemm transB with bias): smaller, approximate; ranks that do not shrink are skipped', async () => {
  const mlp = buildMlp({ inputSize: 64, hidden: [64], outputSize: 10, seed: 3 });
  const { model, report } = factorizeLowRank(mlp, { rank: 16 });
  assert.equal(report.factorized.length, 1);
  assert.match(report.skipped[0].reason, /rank 10 of a 64×10 weight would not make it smaller/);
  const ev = await evaluateModels(mlp, model, { ...quick, batch: 4 });
  assert.ok(ev.size.ratio < 0.8 && ev.outputs[0].cosine > 0.5);
  const cnn = prepareModel(buildCnn({ seed: 4 })).model;
  const head = factorizeLowRank(cnn, { rank: 16 });
  assert.equal(head.report.factorized.length, 0, 'rank 10 of the 16×10 head does not shrink it');
  const full = factorizeLowRank(cnn, { rank: 3 });
  assert.deepEqual(inspectModel(full.model).opCounts.Gemm, 1);
  assert.ok((await evaluateModels(cnn, full.model, quick)).outputs[0].cosine > 0.5);
});

test('bad rank or energy is refused', () => {
  const mlp = buildMlp({ inputSize: 4, hidden: [], outputSize: 2, seed: 1 });
  for (const options of [{ rank: 0 }, { energy: 1.5 }]) {
    assert.throws(() => factorizeLowRank(mlp, options), (e: unknown) => e instanceof LatheError && e.code === 'invalid-option');
  }
});
