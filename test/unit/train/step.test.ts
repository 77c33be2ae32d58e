import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../../src/core/onnx/builder';
import { buildMlp } from '../../../src/core/onnx/mlp';
import { initialWeights, TrainingSession } from '../../../src/core/train/session';
import { buildStepModel } from '../../../src/core/train/step';
import { LatheError } from '../../../src/core/workspace/errors';
import { gradCheck, type GradCase } from './gradcheck';

const linear = (loss: GradCase['loss']): GradCase => ({
  type: 'float64', loss, params: { x: { dims: [3, 4] }, w: { dims: [4, 5] } }, yShape: [3, 5],
  build: (g) => void g.node('MatMul', ['x', 'w'], ['y']),
});

for (const [name, loss] of Object.entries({
  'softmax cross-entropy': { kind: 'cross-entropy' },
  'KL with temperature (soft targets only)': { kind: 'kl', temperature: 2.5 },
  'KL with temperature mixed with cross-entropy': { kind: 'kl', temperature: 3, alpha: 0.3 },
} satisfies Record<string, GradCase['loss']>)) {
  test(`the ${name} loss's gradient matches finite differences`, async () => {
    await gradCheck(linear(loss));
  });
}

test('the KL loss is T² · KL(teacher ‖ student) over the batch', async () => {
  const g = new GraphBuilder('kl').initializer('w', Float32Array.of(1), [1]).input('input', 'float32', [2, 3]).node('Mul', ['input', 'w'], ['y']);
  const model = g.output('y', 'float32', [2, 3]).build();
  const step = buildStepModel(model, { loss: { kind: 'kl', temperature: 2 } });
  const session = await TrainingSession.create(step, initialWeights(model, step));
  const s = [1, 2, 3, 0, 0, 1];
  const t = [3, 1, 0, 1, 1, 1];
  const result = await session.run({ input: new ort.Tensor('float32', Float32Array.from(s), [2, 3]), teacher_logits: new ort.Tensor('float32', Float32Array.from(t), [2, 3]) });
  const softmax = (v: number[]) => v.map((x) => Math.exp(x / 2) / v.reduce((a, y) => a + Math.exp(y / 2), 0));
  let kl = 0;
  for (const r of [0, 1]) {
    const p = softmax(t.slice(r * 3, r * 3 + 3));
    const q = softmax(s.slice(r * 3, r * 3 + 3));
    kl += p.reduce((a, pi, i) => a + pi * Math.log(pi / q[i]), 0);
  }
  assert.ok(Math.abs(result.loss - (4 * kl) / 2) < 1e-6, `loss ${result.loss}, expected ${(4 * kl) / 2}`);
  await session.release();
});

test('an op without a gradient rule names the op and the node', () => {
  const model = new GraphBuilder('m').input('input', 'float32', ['batch', 3]).initializer('w', new Float32Array(9), [3, 3])
    .node('MatMul', ['input', 'w'], ['h']).node('Sin', ['h'], ['logits'], {}, { name: 'wave' })
    .output('logits', 'float32', ['batch', 3]).build();
  assert.throws(() => buildStepModel(model, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' } }), (e: unknown) =>
    e instanceof LatheError && e.code === 'unsupported-op' && /'wave'/.test(e.message) && /Sin/.test(e.message) && !!e.hint);
});

test('frozen weights stay inside the graph; only trainable tensors cross the session boundary', async () => {
  const forward = buildMlp({ inputSize: 4, hidden: [8], outputSize: 3, seed: 1 });
  const step = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw' }, trainable: ['fc1.weight', 'fc1.bias'] });
  const graph = step.model.graph!;
  assert.deepEqual(graph.initializer!.filter((t) => t.name!.startsWith('fc')).map((t) => t.name).sort(), ['fc0.bias', 'fc0.weight']);
  assert.deepEqual(graph.input!.map((i) => i.name).sort(), ['fc1.bias', 'fc1.bias.adam_m', 'fc1.bias.adam_v', 'fc1.weight', 'fc1.weight.adam_m', 'fc1.weight.adam_v', 'input', 'labels', 'lr', 'step']);
  assert.ok(!graph.output!.some((o) => o.name!.includes('fc0')), 'no frozen tensor is an output');
  // nothing is computed backward through the frozen first layer: its weight is read by the forward MatMul only
  assert.equal(graph.node!.filter((n) => n.input!.includes('fc0.weight')).length, 1);
  const session = await TrainingSession.create(step, initialWeights(forward, step));
  const feeds = { input: new ort.Tensor('float32', Float32Array.from({ length: 8 }, (_, i) => i / 8), [2, 4]), labels: new ort.Tensor('int64', BigInt64Array.of(0n, 2n), [2]) };
  const before = session.weights();
  await session.run(feeds, 0.1);
  assert.deepEqual([...session.weights().keys()], ['fc1.weight', 'fc1.bias']);
  assert.notDeepEqual(session.weights().get('fc1.weight'), before.get('fc1.weight'));
  await session.release();
});

test('plain SGD updates are fused into the weight gradient Gemm (no weight-sized Mul/Sub)', () => {
  const forward = buildMlp({ inputSize: 4, hidden: [8], outputSize: 3, seed: 1 });
  const { model } = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' } });
  for (const w of ['fc0.weight', 'fc1.weight']) {
    assert.equal(model.graph!.node!.find((n) => n.output!.includes(`next:${w}`))?.opType, 'Gemm', w);
  }
});

test('plain SGD scales the backward seed by the learning rate once and updates every tensor by p − lr·g', async () => {
  const forward = buildMlp({ inputSize: 4, hidden: [8], outputSize: 3, seed: 1 });
  const step = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' } });
  assert.equal(step.model.graph!.node!.filter((n) => n.input!.includes('lr')).length, 1);
  const feeds = { input: new ort.Tensor('float32', Float32Array.from({ length: 8 }, (_, i) => i / 8 - 0.3), [2, 4]), labels: new ort.Tensor('int64', BigInt64Array.of(0n, 2n), [2]) };
  const gradStep = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, gradients: true });
  const gradSession = await TrainingSession.create(gradStep, initialWeights(forward, gradStep));
  const grads = await gradSession.runAll(feeds);
  await gradSession.release();
  const session = await TrainingSession.create(step, initialWeights(forward, step));
  const before = session.weights();
  await session.run(feeds, 0.5);
  for (const [name, after] of session.weights()) {
    const grad = grads[`grad:${name}`];
    assert.ok(grad.some((v) => Math.abs(v) > 1e-3), `${name} has a gradient`);
    after.forEach((v, i) => assert.ok(Math.abs(v - (before.get(name)![i] - 0.5 * grad[i])) < 1e-6, `${name}[${i}]`));
  }
  await session.release();
});

test('the accuracy count is an output unless turned off', () => {
  const forward = buildMlp({ inputSize: 4, hidden: [], outputSize: 3, seed: 1 });
  const outputs = (accuracy?: boolean) => buildStepModel(forward, { loss: { kind: 'cross-entropy' }, accuracy }).model.graph!.output!.map((o) => o.name);
  assert.deepEqual(outputs(), ['loss', 'correct']);
  assert.deepEqual(outputs(false), ['loss']);
});

test('Dropout runs in training mode inside the step: dropped units get no gradient, kept ones are scaled', async () => {
  const n = 64;
  const model = new GraphBuilder('d').input('input', 'float32', [1, n]).initializer('w', Float32Array.from({ length: n }, (_, i) => 0.5 + i / n), [1, n])
    .initializer('ratio', Float32Array.of(0.5), []).node('Mul', ['input', 'w'], ['h']).node('Dropout', ['h', 'ratio'], ['y'])
    .output('y', 'float32', [1, n]).build();
  const step = buildStepModel(model, { loss: { kind: 'mse' }, optimizer: { kind: 'sgd' } });
  const session = await TrainingSession.create(step, initialWeights(model, step));
  const w = initialWeights(model, step).get('w')!;
  // loss = mean((2 m w)²) with targets 0 and input 1, so d/dw = 8 m w / n; one SGD step with lr 1 moves w by it
  await session.run({ input: new ort.Tensor('float32', new Float32Array(n).fill(1), [1, n]), targets: new ort.Tensor('float32', new Float32Array(n), [1, n]) }, 1);
  const moved = session.weights().get('w')!;
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    const grad = w[i] - moved[i];
    if (grad === 0) dropped++;
    else assert.ok(Math.abs(grad - (8 * w[i]) / n) < 1e-6, `unit ${i}: ${grad} vs ${(8 * w[i]) / n}`);
  }
  assert.ok(dropped > 10 && dropped < n - 10, `${dropped} of ${n} dropped`);
  await session.release();
});

test('bad requests are clear errors: old opsets, names that are not trainable', () => {
  const old = buildMlp({ inputSize: 2, hidden: [], outputSize: 2, seed: 1, opset: 11 });
  assert.throws(() => buildStepModel(old, { loss: { kind: 'cross-entropy' } }), (e: unknown) => e instanceof LatheError && e.code === 'unsupported-opset');
  const mlp = buildMlp({ inputSize: 2, hidden: [], outputSize: 2, seed: 1 });
  assert.throws(() => buildStepModel(mlp, { loss: { kind: 'cross-entropy' }, trainable: ['fc9.weight'] }), (e: unknown) =>
    e instanceof LatheError && e.code === 'not-trainable' && /fc0.weight/.test(e.hint ?? ''));
});
