import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { addDataset } from '../../../src/core/data';
import { loadModel } from '../../../src/core/onnx';
import { modelVersions } from '../../../src/core/registry';
import { readMetrics, readRun } from '../../../src/core/runs';
import { registerBuiltinStages } from '../../../src/core/stages';
import { TSX } from '../data/helpers';
import { run, statuses, write } from '../pipeline/runner/fixture';
import { CLI, tempWorkspace } from '../runs/helpers';
import { digitsTeacher, writeDigitsCsv } from './fixtures';

// the stage runs the CLI from the sources, as `lathe pipeline run` runs itself
after(registerBuiltinStages({ command: [process.execPath, '--import', TSX, CLI] }));

const PIPELINE = `version: 1
stages:
  distill:
    uses: distill
    with:
      teacher: model:digits-teacher@v1
      dataset: dataset:digits@v1
      student: { hidden: [12], activation: tanh }
      temperature: 2
      alpha: 0.5
      epochs: 2
      seed: 4
      output: out/student.onnx
`;

test('uses: distill trains the student as a tracked run of the stage, writes its output, registers it with the run, and is cached', async () => {
  const layout = await tempWorkspace();
  const csv = path.join(layout.root, 'data', 'digits.csv');
  await digitsTeacher(layout, await writeDigitsCsv(csv));
  await addDataset(layout, csv, { name: 'digits' });
  await write(layout, 'lathe.yaml', PIPELINE);

  const first = await run(layout);
  assert.deepEqual(statuses(first), { distill: 'ran' }, JSON.stringify(first.stages));
  const student = await loadModel(path.join(layout.root, 'out', 'student.onnx'));
  assert.ok(student.graph?.node?.some((n) => n.opType === 'Tanh'));
  const runId = first.stages[0].runId!;
  const record = await readRun(layout, runId);
  assert.deepEqual(record.tags, ['pipeline', 'stage:distill', 'distill']);
  assert.equal((await readMetrics(layout, runId)).series.val_loss.length, 2);
  const [version] = await modelVersions(layout, 'digits-teacher-student');
  assert.deepEqual([version.lineage.run, version.lineage.parent, version.lineage.settings?.alpha, version.lineage.settings?.seed], [runId, 'digits-teacher@v1', 0.5, 4]);
  assert.ok(record.summary.teacher_accuracy > 0.9, JSON.stringify(record.summary));

  const second = await run(layout);
  assert.deepEqual(statuses(second), { distill: 'up-to-date' });
  assert.equal((await modelVersions(layout, 'digits-teacher-student')).length, 1);
});
