// The metrics against scikit-learn's (Debian's python3-sklearn) on fixed random data with ties.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { computeMetrics, EVALUATION_METRICS, type EvaluationMetric, type Scores } from '../../../src/core/evaluate';
import { seededRandom } from '../../../src/core/onnx/random';
import { isLatheError } from '../../../src/core/workspace/errors';

const PYTHON = '/usr/bin/python3';
const sklearnMissing = spawnSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' }).status !== 0;
const skip = sklearnMissing ? 'scikit-learn is not installed for /usr/bin/python3 (apt-get install python3-sklearn)' : false;

// scikit-learn decides the classes from the scores itself (argmax, first on ties; a one-column score is class 1
// above 0.5 for probabilities, above 0 for logits) and gets probabilities for AUC by its own softmax
const SKLEARN = `
import json, sys
import numpy as np
from sklearn import metrics as m
case = json.load(sys.stdin)
s = np.array(case['values'], dtype=np.float64).reshape(case['rows'], case['columns'])
y = np.array(case['labels'])
out = {}
if case['columns'] == 1:
    score = s[:, 0]
    proba = bool(((score >= 0) & (score <= 1)).all())
    pred = (score > (0.5 if proba else 0)).astype(int)
    auc_score = score
else:
    pred = s.argmax(axis=1)
    proba = bool(((s >= 0) & (s <= 1)).all() and np.allclose(s.sum(axis=1), 1, atol=1e-3))
    p = s if proba else np.exp(s - s.max(axis=1, keepdims=True))
    p = p / p.sum(axis=1, keepdims=True)
    auc_score = p[:, 1] if case['columns'] == 2 else p
avg = 'binary' if case['columns'] <= 2 else 'macro'
for name in case['metrics']:
    if name == 'accuracy': out[name] = m.accuracy_score(y, pred)
    if name == 'f1': out[name] = m.f1_score(y, pred, average=avg, zero_division=0)
    if name == 'precision': out[name] = m.precision_score(y, pred, average=avg, zero_division=0)
    if name == 'recall': out[name] = m.recall_score(y, pred, average=avg, zero_division=0)
    if name == 'auc': out[name] = m.roc_auc_score(y, auc_score, multi_class='ovr', average='macro') if case['columns'] > 2 else m.roc_auc_score(y, auc_score)
    if name == 'mse': out[name] = m.mean_squared_error(y, s[:, 0])
    if name == 'mae': out[name] = m.mean_absolute_error(y, s[:, 0])
print(json.dumps(out))
`;

function sklearn(metrics: readonly string[], scores: Scores, labels: number[]): Record<string, number> {
  const input = JSON.stringify({ metrics, values: Array.from(scores.values), rows: scores.rows, columns: scores.columns, labels });
  const result = spawnSync(PYTHON, ['-c', SKLEARN], { input, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** `rows` × `columns` values drawn by `draw`, rounded to one decimal so that ties are common. */
function scoresOf(rows: number, columns: number, draw: () => number): Scores {
  return { values: Float64Array.from({ length: rows * columns }, () => Math.round(10 * draw()) / 10), rows, columns };
}

function assertClose(got: Record<string, number>, want: Record<string, number>): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
  for (const k of Object.keys(want)) assert.ok(Math.abs(got[k] - want[k]) < 1e-9, `${k}: lathe ${got[k]}, scikit-learn ${want[k]}`);
}

const CLASSIFICATION: EvaluationMetric[] = ['accuracy', 'f1', 'precision', 'recall', 'auc'];
const where = { model: 'm.onnx', dataset: 'rows.csv' };

test('multi-class logits: accuracy, macro f1/precision/recall and one-vs-rest AUC match scikit-learn', { skip }, () => {
  const random = seededRandom(1);
  const scores = scoresOf(200, 4, () => 4 * random() - 2);
  // the label is the top score (first on ties) 60% of the time, else a random class of the first three
  const top = (r: number) => {
    const row = Array.from(scores.values).slice(r * 4, r * 4 + 4);
    return row.indexOf(Math.max(...row));
  };
  const labels = Array.from({ length: 200 }, (_, r) => (random() < 0.6 ? top(r) : Math.floor(random() * 3)));
  const got = computeMetrics(CLASSIFICATION, scores, labels, where);
  assertClose(got, sklearn(CLASSIFICATION, scores, labels));
  assert.ok(got.accuracy > 0.5 && got.accuracy < 1 && got.auc > 0.6, JSON.stringify(got));
});

test('multi-class probabilities are used as they are, and a class never predicted counts as 0', { skip }, () => {
  const random = seededRandom(2);
  const rows = 120;
  const values = new Float64Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    const a = Math.round(10 * random()) / 20;
    values.set([a, 1 - a, 0], r * 3);
  }
  const scores = { values, rows, columns: 3 };
  const labels = Array.from({ length: rows }, (_, r) => r % 3);
  assertClose(computeMetrics(CLASSIFICATION, scores, labels, where), sklearn(CLASSIFICATION, scores, labels));
});

test('binary from one column of probabilities, one column of logits, and two columns: positive class 1', { skip }, () => {
  const random = seededRandom(3);
  const rows = 150;
  const labels = Array.from({ length: rows }, () => (random() < 0.4 ? 1 : 0));
  const round = (v: number) => Math.round(10 * v) / 10;
  const noisy = labels.map((y) => y * 0.6 + random() - 0.5);
  const cases: Scores[] = [
    { values: Float64Array.from(noisy, (v) => round(Math.min(1, Math.max(0, 0.3 + v)))), rows, columns: 1 },
    { values: Float64Array.from(noisy, (v) => round(3 * v)), rows, columns: 1 },
    // logits [0, z]: equal rows are exactly equal probabilities in both implementations, so ties stay ties
    { values: Float64Array.from({ length: 2 * rows }, (_, i) => (i % 2 ? round(4 * noisy[i >> 1]) : 0)), rows, columns: 2 },
  ];
  for (const scores of cases) assertClose(computeMetrics(CLASSIFICATION, scores, labels, where), sklearn(CLASSIFICATION, scores, labels));
});

test('regression: mean squared and absolute error match scikit-learn', { skip }, () => {
  const random = seededRandom(4);
  const scores = scoresOf(90, 1, () => 10 * random());
  const labels = Array.from({ length: 90 }, () => Math.round(100 * random()) / 10);
  assertClose(computeMetrics(['mse', 'mae'], scores, labels, where), sklearn(['mse', 'mae'], scores, labels));
});

test('every metric the schema allows is computed', () => {
  assert.deepEqual([...EVALUATION_METRICS].sort(), ['accuracy', 'auc', 'f1', 'mae', 'mse', 'precision', 'recall']);
});

function throwsCode(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isLatheError(e), String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

test('a metric that does not fit the output or the labels is a clear error', () => {
  const classifier = { values: Float64Array.from([0.1, 0.9, 0.8, 0.2]), rows: 2, columns: 2 };
  const regressor = { values: Float64Array.from([1.5, 2.5]), rows: 2, columns: 1 };
  throwsCode(() => computeMetrics(['mse'], classifier, [1, 0], where), 'metric-mismatch', /mse compares one numeric output.*m\.onnx on rows\.csv gives 2 columns/);
  throwsCode(() => computeMetrics(['auc'], regressor, [1.7, 2.2], where), 'metric-mismatch', /auc needs class labels 0\/1.*row 1 of rows\.csv has the label 1\.7/);
  throwsCode(() => computeMetrics(['accuracy'], classifier, [1, 2], where), 'invalid-labels', /row 2 of rows\.csv has the label 2, which is not a class of m\.onnx \(0\.\.1\)/);
  throwsCode(() => computeMetrics(['auc'], classifier, [1, 1], where), 'metric-mismatch', /auc needs rows of at least two classes/);
  throwsCode(() => computeMetrics(['accuracy'], { ...classifier, values: Float64Array.from([0, 1, NaN, 0]) }, [1, 0], where), 'invalid-output', /non-finite output .* row 2 of rows\.csv/);
  throwsCode(() => computeMetrics(['mae'], regressor, [1], where), 'shape-mismatch', /2 row\(s\) of output for 1 labelled/);
  throwsCode(() => computeMetrics(['top5' as EvaluationMetric], regressor, [1, 2], where), 'usage', /unknown metric 'top5'/);
});
