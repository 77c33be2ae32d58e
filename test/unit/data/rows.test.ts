import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { addDataset, lastColumnAsLabel, readNumericRows } from '../../../src/core/data';
import { LatheError } from '../../../src/core/workspace/errors';
import { FIXTURES, removeWorkspace, tempWorkspace, write } from './helpers';

const SKLEARN_DATA = '/usr/lib/python3/dist-packages/sklearn/datasets/data';
const isCode = (code: string, text?: string) => (e: unknown) => e instanceof LatheError && e.code === code && (!text || e.message.includes(text));

test('a CSV with a header and a text class column: features, names, classes numbered in sorted order', async (t) => {
  const layout = await tempWorkspace();
  t.after(() => removeWorkspace(layout));
  await write(layout.root, 'flowers.csv', 'petal_length,petal_width,species\n1.4,0.2,setosa\n4.7,1.4,versicolor\n"6.0",2.5,virginica\n1.3,0.2,setosa\n');
  const rows = await readNumericRows(layout, 'flowers.csv', { cwd: layout.root });
  assert.equal(rows.rows, 4);
  assert.equal(rows.width, 2);
  assert.deepEqual(rows.columns, ['petal_length', 'petal_width']);
  assert.deepEqual(Array.from(rows.features), Array.from(Float32Array.of(1.4, 0.2, 4.7, 1.4, 6, 2.5, 1.3, 0.2)));
  assert.deepEqual(rows.classes, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual(Array.from(rows.labels!), [0, 1, 2, 0]);
  assert.equal(rows.labelColumn, 'species');
  const limited = await readNumericRows(layout, 'flowers.csv', { cwd: layout.root, limit: 2, label: false, features: ['petal_width'] });
  assert.deepEqual([limited.rows, limited.width, limited.labels], [2, 1, undefined]);
  assert.deepEqual(Array.from(limited.features), Array.from(Float32Array.of(0.2, 1.4)));
});

test("scikit-learn's gzipped digits (no header, label last) read like numpy reads them", async (t) => {
  const file = path.join(SKLEARN_DATA, 'digits.csv.gz');
  const layout = await tempWorkspace();
  t.after(() => removeWorkspace(layout));
  const rows = await readNumericRows(layout, file, { cwd: '/', label: -1 });
  const reference = JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', `import numpy as np, json; d = np.loadtxt("${file}", delimiter=","); print(json.dumps([d.shape[0], d.shape[1], float(d[:, :-1].sum()), d[:, -1].astype(int).tolist()]))`], { encoding: 'utf8' }),
  ) as [number, number, number, number[]];
  assert.deepEqual([rows.rows, rows.width + 1], reference.slice(0, 2));
  assert.equal(rows.features.reduce((a, b) => a + b, 0), reference[2]);
  assert.deepEqual(Array.from(rows.labels!), reference[3]);
  assert.equal(rows.classes, undefined);
});

test('a dataset version, a Parquet file with chosen columns, an .npy array', async (t) => {
  const layout = await tempWorkspace();
  t.after(() => removeWorkspace(layout));
  await write(layout.root, 'data/iris.csv', await fs.readFile(path.join(FIXTURES, 'iris.csv')));
  await addDataset(layout, 'data/iris.csv', { name: 'iris' });
  // the checked-out file may change: the version's bytes come from the cache
  await write(layout.root, 'data/iris.csv', 'a,b\n1,2\n');
  const iris = lastColumnAsLabel(await readNumericRows(layout, 'dataset:iris@v1', { cwd: layout.root, label: false }));
  assert.deepEqual([iris.rows, iris.width, iris.dataset], [150, 4, 'iris@v1']);
  assert.deepEqual([...new Set(iris.labels)], [0, 1, 2]);

  const penguins = await readNumericRows(layout, path.join(FIXTURES, 'penguins-like.parquet'), { cwd: layout.root, label: 'species', features: ['small', 'mass', 'ok'] });
  assert.deepEqual(penguins.columns, ['small', 'mass', 'ok']);
  assert.deepEqual(penguins.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
  assert.deepEqual(Array.from(penguins.features.subarray(0, 6)), Array.from(Float32Array.of(0, 3000, 1, 1, 3012.3333333333335, 0)));

  const npy = path.join(layout.root, 'x.npy');
  execFileSync('/usr/bin/python3', ['-c', `import numpy as np; np.save("${npy}", np.arange(12, dtype=np.float64).reshape(3, 2, 2) / 4)`]);
  const arrays = await readNumericRows(layout, 'x.npy', { cwd: layout.root });
  assert.deepEqual([arrays.rows, arrays.width], [3, 4]);
  assert.deepEqual(Array.from(arrays.features), Array.from({ length: 12 }, (_, i) => i / 4));
});

test('bad input: a text feature, a missing column, a missing file, a dataset without rows', async (t) => {
  const layout = await tempWorkspace();
  t.after(() => removeWorkspace(layout));
  await write(layout.root, 'bad.csv', 'x,y,label\n1,2,0\n3,,1\n');
  await assert.rejects(readNumericRows(layout, 'bad.csv', { cwd: layout.root }), isCode('invalid-data', "row 2, column 'y'"));
  await assert.rejects(readNumericRows(layout, 'bad.csv', { cwd: layout.root, label: 'species' }), isCode('missing-column', "no column 'species'"));
  await assert.rejects(readNumericRows(layout, 'nope.csv', { cwd: layout.root }), isCode('not-found'));
  await write(layout.root, 'notes/readme.txt', 'no rows here');
  await addDataset(layout, 'notes', { name: 'notes' });
  await assert.rejects(readNumericRows(layout, 'dataset:notes@v1', { cwd: layout.root }), isCode('invalid-data', 'holds no .csv'));
});
