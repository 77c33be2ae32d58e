import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelLineage, registerModel } from '../../../src/core/registry';
import { renderModelLineage, renderModelVersion } from '../../../src/extension/reports/models';
import { tempStore, trackIris, writeMlp } from './helpers';

test('the version and lineage reports show the registry records as markdown', async () => {
  const layout = await tempStore();
  await trackIris(layout);
  const base = await registerModel(layout, await writeMlp(layout, 'a.onnx', 1), { name: 'clf', metrics: { val_acc: 0.91 }, message: 'a | b' });
  await registerModel(layout, await writeMlp(layout, 'b.onnx', 2, [2]), { name: 'small', parent: 'clf@v1', technique: 'distill', datasets: ['iris'] });
  await registerModel(layout, await writeMlp(layout, 'c.onnx', 3, [2]), { name: 'small', parent: 'small@v1', technique: 'quantize' });

  const report = renderModelVersion(base, ['production']);
  assert.match(report, /^# clf@v1 — production\n/);
  assert.match(report, /\| Parameters \| 67 \|/);
  assert.match(report, /\| `input` \| float32 \| \[batch, 4\] \|/);
  assert.match(report, /\| val_acc \| 0\.9100 \|/);
  assert.match(report, /> a \\\| b/, 'user text cannot break the table');
  assert.doesNotMatch(report, /\n\n\n/);

  const lines = renderModelLineage(await modelLineage(layout, 'small@v1')).split('\n');
  assert.equal(lines[0], '# Lineage of small@v1');
  assert.match(lines[2], /^- `clf@v1` — 67 params · val_acc=0\.9100$/);
  assert.match(lines[3], /^ {2}- \*\*`small@v1` — via \*\*distill\*\* · data `iris@v1` · 19 params\*\* ◀$/);
  assert.match(lines[4], /^ {4}- `small@v2` — via \*\*quantize\*\*/);
  assert.match(renderModelLineage(await modelLineage(layout, 'clf@v1')), /^- \*\*`clf@v1`.*\n {2}- `small@v1`.*\n {4}- `small@v2`/m);
});
