import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layoutGraph, modelsCsv, modelsView } from '../../../src/core/charts';
import { registerModel } from '../../../src/core/registry';
import { tempStore, trackIris, writeMlp } from '../registry/helpers';
import { writeRun } from './fixtures';

test('modelsView: bars of size, parameters, latency and accuracy; the lineage graph with runs and dataset versions', async () => {
  const layout = await tempStore();
  await trackIris(layout);
  await writeRun(layout, 'train-1', { params: { lr: 0.1 } });
  await registerModel(layout, await writeMlp(layout, 'a.onnx', 1, [16]), { name: 'clf', run: 'train-1', datasets: ['iris'], metrics: { accuracy: 0.93, latency_ms: 4.2 } });
  await registerModel(layout, await writeMlp(layout, 'q.onnx', 2, [16]), { name: 'clf-int8', parent: 'clf@v1', technique: 'quantize', metrics: { accuracy: 0.91, latency_p50_ms: 1.5 } });
  await registerModel(layout, await writeMlp(layout, 's.onnx', 3, [4]), { name: 'clf-small', parent: 'clf@v1', technique: 'distill', metrics: { top1: 0.88 } });
  await registerModel(layout, await writeMlp(layout, 'l.onnx', 4, [4]), { name: 'clf-small', parent: 'clf-small@v1', technique: 'lora' });

  const view = await modelsView(layout, ['clf@v1', 'clf-int8@latest', 'clf-small@v1', 'clf@v1']);
  assert.deepEqual(view.versions.map((b) => [b.ref, b.technique, b.latencyMs, b.latencyMetric, b.accuracy, b.accuracyMetric]), [
    ['clf@v1', null, 4.2, 'latency_ms', 0.93, 'accuracy'],
    ['clf-int8@v1', 'quantize', 1.5, 'latency_p50_ms', 0.91, 'accuracy'],
    ['clf-small@v1', 'distill', null, null, 0.88, 'top1'],
  ], 'each version once, in the order asked');
  assert.ok(view.versions[0].sizeBytes > view.versions[2].sizeBytes, 'the distilled model is smaller');
  assert.equal(view.versions[0].parameterCount, 4 * 16 + 16 + 16 * 3 + 3);
  assert.deepEqual(view.warnings, ['no latency metric (latency_ms, latency_p50_ms) for clf-small@v1']);
  const csv = modelsCsv(view).split('\r\n');
  assert.equal(csv[0], 'version,technique,size_bytes,parameters,latency_ms,latency_metric,accuracy,accuracy_metric');
  assert.equal(csv[3], `clf-small@v1,distill,${view.versions[2].sizeBytes},${view.versions[2].parameterCount},,,0.88,top1`);
  assert.equal(csv.length, 5, 'a row per version and the last line break');

  const { graph } = view;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  assert.deepEqual([...byId.keys()].sort(), ['dataset:iris@v1', 'model:clf-int8@v1', 'model:clf-small@v1', 'model:clf-small@v2', 'model:clf@v1', 'run:train-1']);
  assert.deepEqual(graph.edges.map((e) => `${e.from} -${e.label}-> ${e.to}`).sort(), [
    'dataset:iris@v1 -trained on-> run:train-1',
    'model:clf-small@v1 -lora-> model:clf-small@v2',
    'model:clf@v1 -distill-> model:clf-small@v1',
    'model:clf@v1 -quantize-> model:clf-int8@v1',
    'run:train-1 -produced-> model:clf@v1',
  ]);
  assert.deepEqual(
    ['dataset:iris@v1', 'run:train-1', 'model:clf@v1', 'model:clf-int8@v1', 'model:clf-small@v2'].map((id) => byId.get(id)!.layer),
    [0, 1, 2, 3, 4],
    'each node one layer right of its source',
  );
  assert.equal(graph.layers, 5);
  assert.deepEqual(graph.nodes.filter((n) => n.selected).map((n) => n.label).sort(), ['clf-int8@v1', 'clf-small@v1', 'clf@v1']);
  assert.equal(byId.get('run:train-1')!.detail, 'completed');
  const layer3 = graph.nodes.filter((n) => n.layer === 3).map((n) => n.order).sort();
  assert.deepEqual(layer3, [0, 1], 'rows inside a layer are distinct');
});

test('layoutGraph: longest-path layers, barycentre order that uncrosses edges, a cycle does not hang', () => {
  const node = (id: string) => ({ id, kind: 'model' as const, label: id, detail: '', selected: false, missing: false });
  // a→y, b→x listed crossed: the barycentre sweep puts x under b and y under a
  const g = layoutGraph([node('a'), node('b'), node('x'), node('y')], [{ from: 'a', to: 'y', label: '' }, { from: 'b', to: 'x', label: '' }]);
  const at = (id: string) => g.nodes.find((n) => n.id === id)!;
  assert.deepEqual([at('a').layer, at('y').layer], [0, 1]);
  assert.equal(at('a').order === at('y').order && at('b').order === at('x').order, true, JSON.stringify(g.nodes));
  const cyclic = layoutGraph([node('p'), node('q')], [{ from: 'p', to: 'q', label: '' }, { from: 'q', to: 'p', label: '' }]);
  assert.ok(cyclic.layers <= 2);
});

test('a missing parent shows as a missing node; an unknown version is a not-found error', async () => {
  const layout = await tempStore();
  await registerModel(layout, await writeMlp(layout, 'a.onnx', 1), { name: 'base' });
  await registerModel(layout, await writeMlp(layout, 'b.onnx', 2), { name: 'child', parent: 'base@v1', technique: 'quantize' });
  const { rm } = await import('node:fs/promises');
  await rm(`${layout.models}/base/v1.json`);
  const view = await modelsView(layout, ['child@v1']);
  const missing = view.graph.nodes.find((n) => n.id === 'model:base@v1')!;
  assert.equal(missing.missing, true);
  assert.match(view.warnings.join('\n'), /base@v1 is named as a parent but is not in the registry/);
  await assert.rejects(modelsView(layout, ['nope@v1']), (e: Error & { code?: string }) => e.code === 'not-found');
});
