import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMlp, readTensor } from '../../../src/core/onnx';
import { evaluateModels, generateInputs } from '../../../src/core/quantize/evaluate';
import { cloneModel, mainGraph } from '../../../src/core/quantize/graph';
import { randomInput } from './run';

const quick = { runs: 3, warmup: 1 };
const mlp = buildMlp({ inputSize: 16, hidden: [32], outputSize: 4, seed: 9 });

test('a model compared with itself agrees exactly; generated inputs are seeded and flagged with a warning', async () => {
  const report = await evaluateModels(mlp, mlp, { samples: 4, batch: 3, seed: 1, ...quick });
  assert.equal(report.inputSource, 'generated');
  assert.match(report.warning ?? '', /random inputs/);
  assert.equal(report.samples, 4);
  assert.equal(report.size.ratio, 1);
  assert.deepEqual(report.outputs, [{ name: 'logits', maxAbsError: 0, meanAbsError: 0, cosine: 1, top1Agreement: 1 }]);
  for (const t of [report.latency.original, report.latency.candidate]) assert.ok(t.p50 > 0 && t.p95 >= t.p50);
  assert.deepEqual(generateInputs(mlp, 2, 7, 3), generateInputs(mlp, 2, 7, 3));
  assert.deepEqual(generateInputs(mlp, 1, 7, 3)[0].input.dims, [3, 16]);
});

test('a changed model shows up in every agreement figure, on given inputs without a warning', async () => {
  const changed = cloneModel(mlp);
  const bias = mainGraph(changed).initializer.find((t) => t.name === 'fc1.bias')!;
  const values = readTensor(bias).data as Float32Array;
  values[0] += 10; // output 0 now wins every row
  bias.rawData = new Uint8Array(values.buffer);
  const inputs = [{ input: randomInput([5, 16], 3) }];
  const report = await evaluateModels(mlp, changed, { inputs, ...quick });
  assert.equal(report.inputSource, 'given');
  assert.equal(report.warning, undefined);
  const [out] = report.outputs;
  assert.ok(Math.abs(out.maxAbsError - 10) < 1e-4, `max ${out.maxAbsError}`);
  assert.ok(Math.abs(out.meanAbsError - 10 / 4) < 1e-4, `mean ${out.meanAbsError}`);
  assert.ok(out.cosine < 0.9);
  assert.ok(out.top1Agreement! < 1);
});
