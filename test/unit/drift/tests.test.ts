import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chi2Counts, chi2Sf, gammaQ, kolmogorovSf, ks2samp, mmd, psiCounts } from '../../../src/core/drift';
import { normals, scipy, scipyMissing } from './scipy';

const close = (actual: number, expected: number, rtol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= rtol * Math.abs(expected) + 1e-300, `${what}: ${actual} vs scipy ${expected}`);

test('ks2samp matches scipy.stats.ks_2samp (auto): exact for small samples, with ties and unequal sizes, asymptotic above 10 000', { skip: scipyMissing }, () => {
  const cases: [number[], number[]][] = [
    [normals(40, 1), normals(55, 2, 0.5)],
    [normals(60, 3, 0, 0), normals(45, 4, 0.3, 0)],
    [normals(200, 5), normals(200, 6)],
    [normals(300, 7, 0, 1), normals(300, 8, 0.25, 1)],
    [normals(1000, 9), normals(777, 10, 0.1)],
    [normals(3, 11), normals(2, 12, 3)],
    [normals(12000, 13), normals(10500, 14, 0.03)],
    [normals(10001, 15), normals(30, 16, 0.2)],
    [normals(11000, 17, 0, 1), normals(13000, 18, 0.02, 1)],
  ];
  const expected = scipy<[number, number][]>('print(json.dumps([[float(r.statistic), float(r.pvalue)] for r in (stats.ks_2samp(a, b) for a, b in data)]))', cases);
  for (const [i, [a, b]] of cases.entries()) {
    const { statistic, pValue } = ks2samp(a, b);
    assert.ok(Math.abs(statistic - expected[i][0]) < 1e-12, `case ${i}: D ${statistic} vs ${expected[i][0]}`);
    close(pValue as number, expected[i][1], 1e-9, `case ${i} p`);
  }
});

test('kolmogorovSf matches scipy.stats.kstwo.sf across its methods (Durbin, Pelz-Good, Smirnov, Ruben-Gambino)', { skip: scipyMissing }, () => {
  const grid: [number, number][] = [];
  for (const n of [5, 30, 100, 140, 141, 1000, 5000, 120000]) for (const x of [0.002, 0.01, 0.03, 0.08, 0.2, 0.55, 0.9]) grid.push([n, x]);
  const expected = scipy<number[]>('print(json.dumps([float(stats.kstwo.sf(x, n)) for n, x in data]))', grid);
  for (const [i, [n, x]] of grid.entries()) assert.ok(Math.abs(kolmogorovSf(n, x) - expected[i]) <= 1e-10 + 1e-8 * expected[i], `n=${n} x=${x}: ${kolmogorovSf(n, x)} vs ${expected[i]}`);
});

test('chi2Sf (regularized incomplete gamma) matches scipy.stats.chi2.sf', { skip: scipyMissing }, () => {
  const grid: [number, number][] = [];
  for (const dof of [1, 2, 3, 7, 30, 150]) for (const x of [0.001, 0.5, 3.84, 12, 60, 200, 900]) grid.push([x, dof]);
  const expected = scipy<number[]>('print(json.dumps([float(stats.chi2.sf(x, k)) for x, k in data]))', grid);
  for (const [i, [x, dof]] of grid.entries()) close(chi2Sf(x, dof), expected[i], 1e-10, `chi2.sf(${x}, ${dof})`);
  assert.equal(gammaQ(2, 0), 1);
  assert.ok(Number.isNaN(gammaQ(0, 1)));
});

test('chi2Counts matches scipy.stats.chi2_contingency(correction=False) on 2×k tables', { skip: scipyMissing }, () => {
  const tables: [number[], number[]][] = [
    [[30, 12], [25, 20]],
    [[10, 20, 30, 40], [12, 18, 35, 33]],
    [[500, 300, 200], [400, 350, 250]],
    [[1, 0, 7, 2, 9], [3, 4, 2, 0, 11]],
  ];
  const expected = scipy<[number, number, number][]>(
    'out = []\nfor t in data:\n    r = stats.chi2_contingency(np.array(t), correction=False)\n    out.append([float(r.statistic), float(r.pvalue), int(r.dof)])\nprint(json.dumps(out))',
    tables,
  );
  for (const [i, [ref, cur]] of tables.entries()) {
    const r = chi2Counts(ref, cur);
    close(r.statistic, expected[i][0], 1e-12, `table ${i} statistic`);
    close(r.pValue as number, expected[i][1], 1e-10, `table ${i} p`);
    assert.equal(r.dof, expected[i][2]);
  }
  assert.deepEqual(chi2Counts([5], [9]), { statistic: 0, pValue: 1, dof: 0 });
});

test('psiCounts: a hand-computed case, empty bins at the epsilon share', () => {
  // shares r = .5 .3 .2 0 and c = .4 .3 .2 .1; the empty reference bin counts as 1e-4
  const expected = (0.4 - 0.5) * Math.log(0.4 / 0.5) + 0 + 0 + (0.1 - 1e-4) * Math.log(0.1 / 1e-4);
  assert.ok(Math.abs(psiCounts([50, 30, 20, 0], [40, 30, 20, 10]).statistic - expected) < 1e-12);
  assert.equal(psiCounts([10, 20], [1, 2]).statistic, 0);
});

test('mmd: the same distribution gives a large p-value, a shifted one p < 0.01 (seeded, reproducible)', () => {
  const same = mmd(normals(300, 21), normals(300, 22), { seed: 1 });
  assert.ok((same.pValue as number) > 0.2, JSON.stringify(same));
  const shifted = mmd(normals(300, 23), normals(300, 24, 0.6), { seed: 1 });
  assert.ok((shifted.pValue as number) < 0.01, JSON.stringify(shifted));
  assert.ok(shifted.statistic > same.statistic);
  assert.deepEqual(mmd(normals(300, 23), normals(300, 24, 0.6), { seed: 1 }), shifted);
  assert.deepEqual(mmd([2, 2, 2], [2, 2]), { statistic: 0, pValue: 1 });
});
