// Distillation end to end on sklearn's digits: a teacher trained here with core/train, students trained with and
// without it under the same seed, the student registered with its lineage and evaluation.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { addDataset } from '../../../src/core/data';
import { distillModel, formatDistillResult } from '../../../src/core/distill';
import { buildMlp, saveModel } from '../../../src/core/onnx';
import { modelVersions } from '../../../src/core/registry';
import { isLatheError } from '../../../src/core/workspace/errors';
import { tempWorkspace } from '../runs/helpers';
import { digitsTeacher, writeDigitsCsv } from './fixtures';

async function digitsWorkspace() {
  const layout = await tempWorkspace();
  const csv = path.join(layout.root, 'data', 'digits.csv');
  const data = await writeDigitsCsv(csv);
  await addDataset(layout, csv, { name: 'digits' });
  await digitsTeacher(layout, data);
  return layout;
}

test('a student 14× smaller distilled from the teacher does at least as well as the same student trained alone, and is registered with lineage and evaluation', async () => {
  const layout = await digitsWorkspace();
  const points: Record<string, number>[] = [];
  const result = await distillModel(layout, {
    teacher: 'digits-teacher@v1',
    dataset: 'dataset:digits@v1',
    student: { kind: 'mlp', hidden: [16] },
    epochs: 15,
    seed: 0,
    onMetrics: (p) => points.push(p),
  });
  const { teacherScore: teacher, studentScore: student, baselineScore: alone } = result;
  assert.ok(alone, 'the student alone is trained when there are labels');
  assert.ok(teacher.parameters >= 8 * student.parameters, `teacher ${teacher.parameters} parameters, student ${student.parameters}`);
  assert.ok(teacher.sizeBytes >= 8 * student.sizeBytes);
  assert.ok(student.accuracy! >= alone.accuracy!, formatDistillResult(result));
  assert.ok(student.accuracy! > 0.9 && teacher.accuracy! > 0.95, formatDistillResult(result));
  assert.equal(student.epochs <= 15 && alone.epochs <= 15, true);

  // live curves: per-step loss and accuracy, per-epoch validation, the student alone under its own names
  for (const name of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'baseline_loss', 'baseline_val_accuracy']) {
    assert.ok(points.some((p) => Number.isFinite(p[name])), `metric ${name} streamed`);
  }
  assert.equal(points.at(-1)!.accuracy, student.accuracy);

  const [version] = await modelVersions(layout, 'digits-teacher-student');
  assert.equal(version.version, 1);
  assert.deepEqual(
    { parent: version.lineage.parent, technique: version.lineage.technique, datasets: version.lineage.datasets },
    { parent: 'digits-teacher@v1', technique: 'distill', datasets: ['digits@v1'] },
  );
  assert.equal(version.lineage.settings?.temperature, 4);
  assert.deepEqual(version.lineage.settings?.hidden, [16]);
  for (const key of ['accuracy', 'teacher_accuracy', 'baseline_accuracy', 'size_ratio', 'latency_p50_ms', 'teacher_latency_p50_ms']) {
    assert.ok(Number.isFinite(version.metrics[key]), `metric ${key} recorded`);
  }
  assert.equal(version.onnx.inputs[0].name, 'input', 'the student takes the teacher input');
  assert.equal(result.teacherCache.reused, false);

  // without labels a student learns from soft targets only; the same pixels reuse the cached teacher logits
  await writeDigitsCsv(path.join(layout.root, 'data', 'pixels.csv'), false);
  const soft = await distillModel(layout, { teacher: 'digits-teacher@v1', dataset: 'data/pixels.csv', student: { kind: 'mlp', hidden: [16], activation: 'tanh' }, epochs: 4, register: false, output: 'out/soft.onnx' });
  assert.equal(soft.teacherCache.reused, true);
  assert.equal(soft.settings.alpha, 1);
  assert.equal(soft.baselineScore, undefined);
  assert.equal(soft.studentScore.accuracy, undefined);
  assert.ok(soft.studentScore.agreement > 0.5, `agreement ${soft.studentScore.agreement}`);
  assert.ok((await fs.stat(path.join(layout.root, 'out', 'soft.onnx'))).size > 0);
  const again = await distillModel(layout, { teacher: 'digits-teacher@v1', dataset: 'dataset:digits@v1', student: { kind: 'cnn' }, epochs: 1, register: false, baseline: false }).catch((e) => e);
  assert.ok(isLatheError(again) && again.code === 'usage' && /image inputs/.test(again.message), String(again));
});

test('bad input is refused with a clear error and registers nothing', async () => {
  const layout = await tempWorkspace();
  await writeDigitsCsv(path.join(layout.root, 'data', 'digits.csv'));
  const narrow = path.join(layout.root, 'narrow.onnx');
  await saveModel(buildMlp({ inputSize: 4, hidden: [8], outputSize: 3, seed: 1 }), narrow);
  const width = await distillModel(layout, { teacher: 'narrow.onnx', dataset: 'data/digits.csv' }).catch((e) => e);
  assert.ok(isLatheError(width) && width.code === 'bad-teacher', String(width));
  assert.match(width.message, /narrow\.onnx takes input \[batch, 4\], which does not fit rows of 64 features/);

  const three = path.join(layout.root, 'three.onnx');
  await saveModel(buildMlp({ inputSize: 64, hidden: [8], outputSize: 3, seed: 1 }), three);
  const labels = await distillModel(layout, { teacher: 'three.onnx', dataset: 'data/digits.csv' }).catch((e) => e);
  assert.ok(isLatheError(labels) && labels.code === 'bad-labels', String(labels));
  assert.match(labels.message, /is not one of the teacher's 3 classes/);
  await assert.rejects(distillModel(layout, { teacher: 'three.onnx', dataset: 'data/digits.csv', label: false, temperature: 0 }), /temperature must be a positive number/);
  await assert.rejects(modelVersions(layout, 'three-student'));
});
