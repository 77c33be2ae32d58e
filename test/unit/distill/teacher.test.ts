// Teacher logits (the Softmax's input, cached per teacher and rows) and the student presets.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { test } from 'node:test';
import { buildStudent, checkStudentModel, predict, teacherLogits, teacherSignature, type StudentSignature, type StudentSpec } from '../../../src/core/distill';
import { buildMlp, GraphBuilder, inspectModel, seededRandom } from '../../../src/core/onnx';
import { trainModel } from '../../../src/core/train';
import { tempWorkspace } from '../runs/helpers';

const random = seededRandom(5);
const rows = (n: number, width: number) => ({ features: Float32Array.from({ length: n * width }, () => random()), rows: n, rowShape: [width] });

/** An MLP whose output is softmax probabilities, as many exported classifiers end. */
function softmaxClassifier() {
  const mlp = buildMlp({ inputSize: 4, hidden: [8], outputSize: 3, seed: 2 });
  const g = new GraphBuilder('clf').input('input', 'float32', ['batch', 4]);
  for (const t of mlp.graph!.initializer!) g.initializer(t.name!, new Float32Array(new Uint8Array(t.rawData!).slice().buffer), t.dims!.map(Number));
  for (const n of mlp.graph!.node!) g.node(n.opType!, n.input!, n.output!);
  return g.node('Softmax', ['logits'], ['probs'], { axis: 1 }).output('probs', 'float32', ['batch', 3]).build();
}

test('the teacher logits are the input of a final Softmax, cached per (teacher, rows), reused, and recomputed when the entry is torn', async () => {
  const layout = await tempWorkspace();
  const { model, sig } = teacherSignature(softmaxClassifier(), 4, 'clf.onnx');
  assert.deepEqual(sig, { inputName: 'input', rowShape: [4], outputName: 'logits', classes: 3 });
  const data = rows(10, 4);
  const teacher = { model, sha256: 'a'.repeat(64), sig };
  const first = await teacherLogits(layout, teacher, data);
  assert.equal(first.cached, false);
  assert.equal(first.logits.length, 30);
  const probs = await predict(model, 'input', 'probs', data);
  const row = Array.from(first.logits.slice(0, 3), Math.exp);
  assert.ok(Math.abs(row[0] / row.reduce((a, b) => a + b) - probs[0]) < 1e-6, 'softmax of the cached logits is the model output');

  const second = await teacherLogits(layout, teacher, data);
  assert.equal(second.cached, true);
  assert.equal(second.file, first.file);
  assert.deepEqual(second.logits, first.logits);

  const other = await teacherLogits(layout, teacher, rows(10, 4));
  assert.notEqual(other.file, first.file, 'other rows, another entry');
  const otherTeacher = await teacherLogits(layout, { ...teacher, sha256: 'b'.repeat(64) }, data);
  assert.notEqual(otherTeacher.file, first.file, 'another teacher, another entry');

  await fs.writeFile(first.file, new Uint8Array(7));
  const torn = await teacherLogits(layout, teacher, data);
  assert.equal(torn.cached, false);
  assert.deepEqual(torn.logits, first.logits);
  assert.equal((await fs.stat(first.file)).size, 120);
});

test('a teacher that is not a float classifier of the rows is refused, naming it', () => {
  const regression = buildMlp({ inputSize: 4, hidden: [], outputSize: 1, seed: 1 });
  assert.throws(() => teacherSignature(regression, 4, 'reg.onnx'), /reg\.onnx must output class scores \[batch, classes\]/);
  assert.throws(() => teacherSignature(buildMlp({ inputSize: 4, hidden: [], outputSize: 3, seed: 1 }), 5, 'clf.onnx'), /does not fit rows of 5 features/);
});

test('presets take the teacher input and output names; mlp activations and the cnn train', async () => {
  const image: StudentSignature = { inputName: 'pixels', rowShape: [1, 8, 8], outputName: 'scores', classes: 4 };
  const data = { pixels: { data: rows(40, 64).features, shape: [1, 8, 8] }, labels: { data: BigInt64Array.from({ length: 40 }, (_, i) => BigInt(i % 4)), shape: [] } };
  const presets: Exclude<StudentSpec, { kind: 'model' }>[] = [{ kind: 'mlp', hidden: [6], activation: 'gelu' }, { kind: 'mlp', hidden: [6, 5], activation: 'tanh' }, { kind: 'cnn' }];
  for (const spec of presets) {
    const model = buildStudent(spec, image, 3);
    const info = inspectModel(model);
    assert.deepEqual([info.inputs[0].name, info.inputs[0].shape, info.outputs[0].name, info.outputs[0].shape], ['pixels', ['batch', 1, 8, 8], 'scores', ['batch', 4]]);
    checkStudentModel(model, image, 'preset');
    const trained = await trainModel(model, data, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd', momentum: 0.9 }, epochs: 2, batchSize: 8, seed: 1, lr: 0.05 });
    assert.ok(Number.isFinite(trained.history[1].loss), `${spec.kind} trains`);
  }
  const ops = inspectModel(buildStudent({ kind: 'mlp', hidden: [6], activation: 'gelu' }, image, 3)).opCounts;
  assert.ok(ops.Gelu === 1 && ops.Flatten === 1, JSON.stringify(ops));
  assert.throws(() => buildStudent({ kind: 'mlp', hidden: [0] }, image, 1), /hidden sizes must be positive integers/);
  assert.throws(() => checkStudentModel(buildMlp({ inputSize: 64, hidden: [4], outputSize: 4, seed: 1 }), image, 'flat.onnx'), /flat\.onnx does not take the teacher's input pixels \[batch, 1, 8, 8\]/);
  assert.throws(() => checkStudentModel(buildStudent({ kind: 'cnn' }, { ...image, classes: 3 }, 1), image, 'three.onnx'), /must output 4 class logits/);
});
