import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunInfo, TableData } from '../../../src/shared/messages';
import { lineBounds, nearestPoint } from '../../../webviews/lib/runLines';
import { SeriesStore } from '../../../webviews/lib/seriesStore';
import { compareCells, formatCell, sortRows, tableModel } from '../../../webviews/lib/table';
import { tickLabel } from '../../../webviews/lib/tickLabel';
import { contrastRatio, hslToRgb, runColor, THEME_CONTRAST, themeKind, type ThemeKind } from '../../../webviews/lib/theme';

const runs: RunInfo[] = ['run-10', 'run-2', 'run-1'].map((name, i) => ({ id: `id${i}`, name, status: 'completed', hue: i * 100 }));
const table: TableData = {
  params: [
    { name: 'lr', values: [0.1, null, 0.01], differs: true },
    { name: 'opt', values: ['adam', 'adam', 'adam'], differs: false },
  ],
  metrics: [{ name: 'loss', goal: 'minimize', last: [0.3, 0.1, null], best: [0.2, 0.1, null], bestRun: 1 }],
};

test('tableModel: a row per run, columns for params then metrics, the best run of each metric marked', () => {
  const model = tableModel(runs, table);
  assert.deepEqual(model.columns.map((c) => [c.label, c.kind, c.differs]), [
    ['Run', 'run', false],
    ['Status', 'status', false],
    ['lr', 'param', true],
    ['opt', 'param', false],
    ['loss', 'metric', false],
  ]);
  assert.deepEqual(model.rows[0].cells, ['run-10', 'completed', 0.1, 'adam', 0.3]);
  assert.deepEqual(model.rows.map((r) => r.best[4]), [false, true, false]);
});

test('sortRows: numbers numerically, names naturally, empty cells last in both directions, stable', () => {
  const model = tableModel(runs, table);
  const names = (rows: typeof model.rows) => rows.map((r) => r.run.name);
  assert.deepEqual(names(sortRows(model.rows, 0, 'asc')), ['run-1', 'run-2', 'run-10']);
  assert.deepEqual(names(sortRows(model.rows, 2, 'asc')), ['run-1', 'run-10', 'run-2']);
  assert.deepEqual(names(sortRows(model.rows, 2, 'desc')), ['run-10', 'run-1', 'run-2']);
  assert.deepEqual(names(sortRows(model.rows, 4, 'desc')), ['run-10', 'run-2', 'run-1']);
  assert.deepEqual(names(sortRows(model.rows, 3, 'asc')), ['run-10', 'run-2', 'run-1']);
  assert.ok(compareCells(2, 'a') < 0 && compareCells('a', [1]) < 0);
});

test('formatCell: readable numbers, a dash for missing values, JSON for lists', () => {
  assert.equal(formatCell(null), '—');
  assert.equal(formatCell(3), '3');
  assert.equal(formatCell(0.123456), '0.1235');
  assert.equal(formatCell(0.1), '0.1');
  assert.equal(formatCell(0.00001234), '1.234e-5');
  assert.equal(formatCell([64, 32]), '[64,32]');
});

test('SeriesStore: appends extend, replaces swap, an append for an unknown series starts it', () => {
  const store = new SeriesStore();
  store.reset([{ runId: 'a', metric: 'loss', x: [0, 1], y: [1, 0.9] }]);
  const changed = store.apply([
    { runId: 'a', metric: 'loss', mode: 'append', x: [2], y: [0.8] },
    { runId: 'b', metric: 'acc', mode: 'append', x: [0], y: [0.1] },
  ]);
  assert.deepEqual([...changed].sort(), ['acc', 'loss']);
  assert.deepEqual(store.get('loss', 'a'), { x: [0, 1, 2], y: [1, 0.9, 0.8] });
  store.apply([{ runId: 'a', metric: 'loss', mode: 'replace', x: [0, 2], y: [1, 0.8] }]);
  assert.deepEqual(store.get('loss', 'a'), { x: [0, 2], y: [1, 0.8] });
  assert.equal(store.count('loss'), 2);
  assert.equal(store.count('acc'), 1);
  store.apply([{ runId: 'b', metric: 'acc', mode: 'append', x: [1, 2], y: [0, -0.5] }]);
  assert.equal(store.nonPositive(), 2, 'what a log scale leaves out');
});

test('theme: kind from the body classes; run colours darker on light themes, brighter on dark and high contrast', () => {
  const classes = (...names: string[]) => ({ contains: (n: string) => names.includes(n) });
  assert.equal(themeKind(classes('vscode-light')), 'light');
  assert.equal(themeKind(classes('vscode-dark')), 'dark');
  assert.equal(themeKind(classes('vscode-high-contrast')), 'high-contrast');
  assert.equal(themeKind(classes('vscode-high-contrast', 'vscode-high-contrast-light')), 'high-contrast-light');
  const lightness = (c: string) => Number(/, (\d+)%, [\d.]+\)$/.exec(c)![1]);
  assert.ok(lightness(runColor(120, 'light')) < 50 && lightness(runColor(120, 'high-contrast-light')) < 50);
  assert.ok(lightness(runColor(120, 'dark')) > 50 && lightness(runColor(120, 'high-contrast')) > 50);
  assert.match(runColor(42, 'dark', 0.15), /^hsla\(42, .*, 0\.15\)$/);
});

test('contrastRatio and hslToRgb agree with WCAG and CSS reference values', () => {
  assert.equal(contrastRatio([0, 0, 0], [1, 1, 1]), 21);
  assert.equal(contrastRatio([1, 1, 1], [1, 1, 1]), 1);
  const grey = 0x76 / 255; // #767676, the lightest grey with 4.5:1 on white
  assert.ok(Math.abs(contrastRatio([grey, grey, grey], [1, 1, 1]) - 4.54) < 0.01);
  assert.deepEqual(hslToRgb(0, 100, 50), [1, 0, 0]);
  assert.deepEqual(hslToRgb(120, 100, 25), [0, 0.5, 0]);
  assert.deepEqual(hslToRgb(240, 100, 50), [0, 0, 1]);
});

test('every run colour is legible on its theme: 3:1 on light and dark, 4.5:1 on high-contrast backgrounds', () => {
  for (const [kind, { background, ratio }] of Object.entries(THEME_CONTRAST) as [ThemeKind, (typeof THEME_CONTRAST)[ThemeKind]][]) {
    for (let hue = 0; hue < 360; hue++) {
      const [h, s, l] = /hsla\((\d+), (\d+)%, (\d+)%/.exec(runColor(hue, kind))!.slice(1).map(Number);
      const got = contrastRatio(hslToRgb(h, s, l), background);
      assert.ok(got >= ratio, `${kind} hue ${hue}: ${got.toFixed(2)} < ${ratio}`);
    }
  }
});

test('tickLabel: the decimals of the tick step, exponents for very large or small magnitudes', () => {
  assert.deepEqual([0, 0.25, 0.5, 1.75].map((v) => tickLabel(v, 0.25)), ['0', '0.25', '0.50', '1.75']);
  assert.deepEqual([0.1, 0.30000000000000004, 1].map((v) => tickLabel(v, 0.1)), ['0.1', '0.3', '1.0']);
  assert.deepEqual([2000, 4000].map((v) => tickLabel(v, 2000)), ['2000', '4000']);
  assert.equal(tickLabel(-5, 5), '-5');
  assert.equal(tickLabel(2_500_000, 500_000), '2.5e+6');
  assert.equal(tickLabel(3e7, 1e7), '3e+7');
  assert.equal(tickLabel(0.0002, 0.0001), '2e-4');
  assert.equal(tickLabel(0.00025, 0.00005), '2.5e-4');
  assert.equal(tickLabel(7, 0), '7');
});

test('lineBounds: the range of every line, positive values only on a log axis; nearestPoint: by pixel distance', () => {
  const lines = [
    { x: [0, 1, 2], y: [0.5, -1, 3] },
    { x: [5, 6], y: [0, 2] },
  ];
  assert.deepEqual(lineBounds(lines, false), { minX: 0, maxX: 6, minY: -1, maxY: 3 });
  assert.deepEqual(lineBounds(lines, true), { minX: 0, maxX: 6, minY: 0.5, maxY: 3 });
  assert.equal(lineBounds([{ x: [1], y: [NaN] }], false), undefined);
  const drawn = [
    { runId: 'a', px: Float32Array.from([0, 10, 20]), py: Float32Array.from([0, 0, 0]), index: Uint32Array.from([0, 2, 3]) },
    { runId: 'b', px: Float32Array.from([0, 10]), py: Float32Array.from([8, 8]), index: Uint32Array.from([0, 1]) },
  ];
  assert.deepEqual(nearestPoint(drawn, 11, 3), { runId: 'a', index: 2 }, 'the series index, not the drawn index');
  assert.deepEqual(nearestPoint(drawn, 1, 6), { runId: 'b', index: 0 });
  assert.equal(nearestPoint([], 1, 1), undefined);
});
