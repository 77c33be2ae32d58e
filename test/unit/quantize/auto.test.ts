import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMlp, inspectModel } from '../../../src/core/onnx';
import { onnx } from 'onnx-proto';
import { quantizeAuto } from '../../../src/core/quantize/auto';
import { mainGraph } from '../../../src/core/quantize/graph';
import { generateInputs } from '../../../src/core/quantize/evaluate';
import { LatheError } from '../../../src/core/workspace/errors';
import { buildCnn } from './models';

const quick = { runs: 2, warmup: 1 };

test('auto on given inputs: the chosen model meets every threshold it was judged by, each candidate is explained', async () => {
  const mlp = buildMlp({ inputSize: 64, hidden: [128], outputSize: 10, seed: 1 });
  const inputs = generateInputs(mlp, 6, 3, 4);
  const result = await quantizeAuto(mlp, { inputs, ...quick, minTop1: 0.9, minCosine: 0.98 });
  assert.equal(result.inputSource, 'given');
  assert.equal(result.warning, undefined);
  assert.ok(!result.explanation.some((l) => /RANDOM/.test(l)));
  assert.deepEqual(result.candidates.map((c) => c.name), ['dynamic-int8', 'static-int8', 'static-int8-per-channel', 'int4', 'fp16']);
  // the verdict, then one line for each candidate not chosen
  assert.equal(result.explanation.length, result.candidates.length + (result.chosen ? 0 : 1));
  const chosen = result.candidates.find((c) => c.name === result.chosen);
  if (chosen) {
    const ev = chosen.evaluation!;
    assert.ok(ev.latency.ratio <= 1 && (ev.outputs[0].top1Agreement ?? 0) >= 0.9 && ev.outputs[0].cosine >= 0.98);
    const smaller = result.candidates.filter((c) => c.accepted && c.evaluation!.size.candidate < ev.size.candidate);
    assert.deepEqual(smaller, []);
    assert.ok(result.explanation[0].startsWith(`chose ${chosen.description}:`), result.explanation[0]);
  } else {
    assert.equal(result.model, mlp);
    assert.match(result.explanation[0], /^kept the original/);
  }
});

test('auto keeps the smallest candidate that agrees when latency is not a constraint; says when only random inputs were used', async () => {
  const mlp = buildMlp({ inputSize: 64, hidden: [128], outputSize: 10, seed: 2 });
  const result = await quantizeAuto(mlp, { ...quick, maxLatencyRatio: Infinity, minTop1: 0, minCosine: 0 });
  assert.equal(result.chosen, 'int4');
  assert.equal(inspectModel(result.model).opCounts['com.microsoft.MatMulNBits'], 2);
  assert.equal(result.inputSource, 'generated');
  assert.match(result.warning ?? '', /random/i);
  assert.match(result.explanation[0], /^ONLY RANDOM INPUTS WERE USED/);
});

test('auto on a CNN with Constant weights: prepared automatically, ConvInteger tried and judged, refusal explained', async () => {
  const cnn = buildCnn({ seed: 3, constantWeights: true });
  const result = await quantizeAuto(cnn, { inputs: generateInputs(cnn, 4, 1), ...quick });
  assert.ok(result.explanation.some((l) => /Constant weights lifted/.test(l)));
  assert.ok(result.explanation.some((l) => /2 BatchNormalization folded/.test(l)));
  const names = result.candidates.map((c) => c.name);
  assert.ok(names.includes('prepared') && names.includes('dynamic-int8-conv') && names.includes('static-int8-linear'));
  const conv = result.candidates.find((c) => c.name === 'dynamic-int8-conv')!;
  const linear = result.candidates.find((c) => c.name === 'dynamic-int8')!;
  const convLine = result.explanation.find((l) => l.startsWith('Conv left in float: ConvInteger was'));
  assert.equal(convLine !== undefined, conv.evaluation!.latency.ratio > linear.evaluation!.latency.ratio);
});

test('auto stops when cancelled', async () => {
  const mlp = buildMlp({ inputSize: 8, hidden: [], outputSize: 2, seed: 1 });
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(quantizeAuto(mlp, { signal: controller.signal }), (e: unknown) => e instanceof LatheError && e.code === 'cancelled');
});

test('auto honours exclude: the node stays float in every candidate, the choice says so; an unknown name is refused', async () => {
  const mlp = buildMlp({ inputSize: 64, hidden: [128], outputSize: 10, seed: 4 });
  const inputs = generateInputs(mlp, 4, 5, 4);
  const first = mainGraph(mlp).node.find((n) => n.opType === 'MatMul')!;
  const anyone = { ...quick, inputs, maxLatencyRatio: Infinity, minTop1: 0, minCosine: 0 };
  const free = await quantizeAuto(mlp, anyone);
  const result = await quantizeAuto(mlp, { ...anyone, exclude: [first.name!] });
  assert.ok(result.explanation.includes(`left in float in every candidate (excluded): ${first.name}`));
  // the excluded 64×128 weight is most of the model: kept float32, no candidate gets much smaller
  for (const c of result.candidates) {
    const unexcluded = free.candidates.find((f) => f.name === c.name)!;
    assert.ok(unexcluded.evaluation!.size.ratio < 0.6, `${c.name} without exclude: ${unexcluded.evaluation!.size.ratio}`);
    assert.ok(c.evaluation!.size.ratio > 0.8, `${c.name} with exclude: ${c.evaluation!.size.ratio}`);
  }
  const kept = mainGraph(result.model).node.find((n) => n.name === first.name)!;
  assert.equal(kept.opType, 'MatMul');
  assert.equal(mainGraph(result.model).initializer.find((t) => t.name === kept.input![1])!.dataType, onnx.TensorProto.DataType.FLOAT);
  await assert.rejects(quantizeAuto(mlp, { ...anyone, exclude: ['no-such-node'] }), (e: unknown) => e instanceof LatheError && e.code === 'unknown-node' && /no-such-node/.test(e.message));
});
