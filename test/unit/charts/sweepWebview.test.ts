import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSweep, type TrialInput } from '../../../src/core/charts';
import type { RunRecord } from '../../../src/core/runs';
import type { LineageGraph } from '../../../src/shared/messages';
import { graphGeometry, NODE_HEIGHT, NODE_WIDTH } from '../../../webviews/lib/lineageSvg';
import { axisTicks, objectiveAxis, parallelModel, qualityColor, scatterPoints } from '../../../webviews/lib/sweepCharts';

const trial = (id: string, params: RunRecord['params'], losses: number[], tags: string[] = []): TrialInput => ({
  record: { id, name: `run-${id}`, status: 'completed', params, tags, createdAt: `2026-01-01T00:00:0${id}Z` } as RunRecord,
  series: { loss: losses.map((value, step) => ({ step, value })) },
});

const sweep = buildSweep('s', [
  trial('1', { lr: 0.001, opt: 'adam' }, [1, 0.5]),
  trial('2', { lr: 0.1, opt: 'sgd' }, [1, 0.9]),
  trial('3', { lr: 0.01 }, [1.2], ['pruned']),
]);

test('parallelModel: an axis per parameter plus the objective, a line per trial, best drawn last, gaps for missing values', () => {
  const model = parallelModel(sweep);
  assert.deepEqual(model.axes.map((a) => a.name), ['lr', 'opt', 'loss (last)']);
  assert.deepEqual(model.lines.map((l) => l.runId), ['3', '2', '1'], 'worst first, the best on top');
  const best = model.lines[2];
  assert.equal(best.quality, 1);
  assert.deepEqual(best.points, [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 2, y: 0 }], 'lowest lr (log axis), first category, lowest loss');
  const pruned = model.lines[0];
  assert.equal(pruned.pruned, true);
  assert.equal(pruned.quality, 0);
  assert.equal(pruned.points[1], null, 'trial 3 has no optimizer');
  assert.ok(Math.abs(pruned.points[0]!.y - 0.5) < 1e-9, 'lr 0.01 is halfway between 1e-3 and 1e-1 on a log axis');
});

test('axisTicks: categories at their places, numeric ends and middle (geometric on log axes)', () => {
  assert.deepEqual(axisTicks(sweep.axes[1]), [{ at: 0, label: 'adam' }, { at: 1, label: 'sgd' }]);
  assert.deepEqual(axisTicks(sweep.axes[0]).map((t) => t.label), ['0.001', '0.01', '0.1']);
  assert.deepEqual(axisTicks({ ...sweep.axes[0], log: false, min: 2, max: 2 }), [{ at: 0.5, label: '2' }]);
  assert.deepEqual([objectiveAxis(sweep).min, objectiveAxis(sweep).max], [0.5, 1.2]);
});

test('qualityColor: viridis from purple (worst) to yellow (best), cut short on light themes, grey without a value', () => {
  assert.equal(qualityColor(0, 'dark'), 'rgba(68, 1, 84, 1)');
  assert.equal(qualityColor(1, 'dark'), 'rgba(253, 231, 37, 1)');
  assert.notEqual(qualityColor(1, 'light'), qualityColor(1, 'dark'));
  assert.equal(qualityColor(null, 'light', 0.5), 'rgba(128, 128, 128, 0.5)');
});

test('scatterPoints: one per trial with both the parameter and an objective', () => {
  assert.deepEqual(scatterPoints(sweep.trials, 1).map((p) => [p.runId, p.x, p.y]), [['1', 0, 0.5], ['2', 1, 0.9]]);
  assert.equal(scatterPoints(sweep.trials, 0).filter((p) => p.pruned).length, 1);
});

test('graphGeometry: columns by layer, rows by order, edges from right side to left side', () => {
  const node = (id: string, layer: number, order: number) => ({ id, kind: 'model' as const, label: id, detail: '', layer, order, selected: false, missing: false });
  const graph: LineageGraph = { nodes: [node('a', 0, 0), node('b', 1, 0), node('c', 1, 1)], edges: [{ from: 'a', to: 'c', label: 'quantize' }, { from: 'a', to: 'gone', label: 'x' }], layers: 2 };
  const g = graphGeometry(graph);
  const [a, b, c] = g.nodes;
  assert.equal(b.x, c.x);
  assert.ok(b.x > a.x + NODE_WIDTH, 'columns do not overlap');
  assert.ok(c.y >= b.y + NODE_HEIGHT, 'rows do not overlap');
  assert.equal(g.edges.length, 1, 'an edge to an unknown node is left out');
  assert.match(g.edges[0].path, new RegExp(`^M ${a.x + NODE_WIDTH} ${a.y + NODE_HEIGHT / 2} C .* ${c.x} ${c.y + NODE_HEIGHT / 2}$`));
  assert.ok(g.width >= c.x + NODE_WIDTH && g.height >= c.y + NODE_HEIGHT);
});
